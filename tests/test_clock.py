from datetime import date

import pytest
from django.utils import timezone

from deliveryunit import clock
from deliveryunit.models import Workbench

pytestmark = pytest.mark.django_db


def test_today_is_the_real_date_when_no_as_at_is_set():
    assert clock.as_at() is None
    assert clock.today() == timezone.localdate()


def test_an_as_at_date_becomes_today_and_clearing_it_restores_the_real_date():
    clock.set_as_at(date(2023, 10, 31))
    assert clock.today() == date(2023, 10, 31)
    assert Workbench.objects.count() == 1
    clock.set_as_at(None)
    assert clock.today() == timezone.localdate()
    assert Workbench.objects.count() == 1


def test_signed_in_pages_say_when_the_workbench_holds_demonstration_data(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="x" * 16, role="analyst")
    client.force_login(user)
    assert 'data-testid="as-at-banner"' not in client.get("/").text
    clock.set_as_at(date(2023, 10, 31))
    page = client.get("/").text
    assert 'data-testid="as-at-banner"' in page
    assert "treats 31 October 2023 as today" in page
