"""Names reach e-mail subjects, file names and headers, so they refuse control characters; and the
e-mail of issued minutes goes out after commit from a task that retries, logs every try on the
minutes, and shows a failure on the minutes page with a button to send again. Issuing never
fails for the e-mail's sake, and never leaves the minutes issued with no way to send them."""

import smtplib
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.mail.backends import locmem
from django.urls import reverse
from django.utils.html import escape

from deliveryunit.fields import CONTROL_CHARACTERS
from stocktakes import mail as minutes_mail
from stocktakes import services
from stocktakes.models import (
    DeliveryStatus,
    Forum,
    ForumKind,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesDelivery,
)
from stocktakes.views_actions import SEND_AGAIN_CONFLICT, SENDING_AGAIN

from .matrix_stocktakes import build_stocktakes

ADDRESSES = "private.office@example.gov.uk\nsecretariat@example.gov.uk"


@pytest.fixture
def ctx(world):
    ctx = SimpleNamespace(world=world)
    build_stocktakes(ctx)
    return ctx


@pytest.fixture
def held(ctx):
    """The own meeting, held, with draft minutes and a distribution list."""
    meeting = ctx.meeting["own"]
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
    services.minutes_save(
        meeting=meeting,
        by=ctx.world.users["analyst"],
        expected_version=0,
        summary="Agreed.",
        distribution=ADDRESSES,
        items={},
    )
    meeting.refresh_from_db()
    return meeting


class MailServer:
    """The mail server as the test wants it: down for the first `failures` messages."""

    def __init__(self, monkeypatch, failures: int, error: Exception | None = None):
        self.failures = failures
        self.calls = 0
        self.error = error or smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        original = locmem.EmailBackend.send_messages
        server = self

        def send_messages(backend, messages):
            server.calls += 1
            if server.calls <= server.failures:
                raise server.error
            return original(backend, messages)

        monkeypatch.setattr(locmem.EmailBackend, "send_messages", send_messages)


def _issue(client, meeting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("stocktakes:minutes_issue", args=[meeting.pk]), {"version": 1})


# --- control characters -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["Task force\r\nBcc: all@example.com", "Tab\there", "Escape\x1b[2J"]
)
def test_a_forum_name_with_a_control_character_is_refused(client, ctx, name):
    client.force_login(ctx.world.users["analyst"])
    response = client.post(
        reverse("stocktakes:forum_create"),
        {"name": name, "kind": ForumKind.STOCKTAKE, "chair": "Prime Minister", "cycle_weeks": "6"},
    )
    assert response.status_code == 422
    assert escape(CONTROL_CHARACTERS) in response.content.decode()
    assert not Forum.objects.filter(chair="Prime Minister").exists()


def test_the_service_refuses_a_name_with_a_line_break(ctx):
    with pytest.raises(ValidationError) as refused:
        services.forum_update(
            forum=ctx.forum["own"],
            by=ctx.world.users["analyst"],
            expected_version=ctx.forum["own"].version,
            name="Renamed\nSubject: spoofed",
        )
    assert CONTROL_CHARACTERS in refused.value.message_dict["name"]


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("deliveryunit.Department", "name"),
        ("priorities.Priority", "title"),
        ("priorities.Measure", "name"),
        ("assessments.AssessmentRound", "name"),
        ("stocktakes.Forum", "name"),
        ("stocktakes.Meeting", "place"),
        ("stocktakes.Attendee", "name"),
        ("stocktakes.AgendaItem", "title"),
        ("stocktakes.Action", "owner"),
    ],
)
def test_single_line_fields_refuse_control_characters(model, field):
    from django.apps import apps

    model_field = apps.get_model(model)._meta.get_field(field)
    with pytest.raises(ValidationError) as refused:
        model_field.run_validators("One\u2028Two")
    assert refused.value.messages == [CONTROL_CHARACTERS]
    model_field.run_validators("One line, with punctuation: fine.")


def test_a_name_stored_before_the_rule_still_makes_a_one_line_subject(
    client, ctx, held, mailoutbox, django_capture_on_commit_callbacks
):
    Forum.objects.filter(pk=held.forum_id).update(name="Old\r\nname")
    client.force_login(ctx.world.users["analyst"])
    response = _issue(client, held, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "\n" not in mailoutbox[0].subject
    assert "\r" not in mailoutbox[0].subject
    assert "Old name" in mailoutbox[0].subject


# --- delivery ---------------------------------------------------------------------------------


def test_the_email_goes_out_after_a_failed_try_and_each_try_is_logged(
    client, ctx, held, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    server = MailServer(monkeypatch, failures=2)
    client.force_login(ctx.world.users["analyst"])
    response = _issue(client, held, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    delivery = MinutesDelivery.objects.get(minutes__meeting=held)
    assert delivery.status == DeliveryStatus.SENT
    attempts = list(delivery.attempts.values_list("number", "sent"))
    assert attempts == [(1, False), (2, False), (3, True)]
    assert "SMTPServerDisconnected" in delivery.attempts.first().error
    assert server.calls == 3
    assert len(mailoutbox) == 1
    page = client.get(reverse("stocktakes:minutes_view", args=[held.pk])).content.decode()
    assert 'data-testid="delivery-sent"' in page
    assert 'data-testid="send-again"' not in page


def test_a_mail_server_that_stays_down_leaves_issued_minutes_to_send_again(
    client, ctx, held, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    server = MailServer(monkeypatch, failures=minutes_mail.MAX_TRIES)
    analyst = ctx.world.users["analyst"]
    client.force_login(analyst)
    response = _issue(client, held, django_capture_on_commit_callbacks)

    # Issuing happened and says so, whatever the mail server did: no server error.
    assert response.status_code == 302
    minutes = Minutes.objects.get(meeting=held)
    assert minutes.is_issued
    held.refresh_from_db()
    assert held.status == MeetingStatus.MINUTED
    delivery = MinutesDelivery.objects.get(minutes=minutes)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts.count() == minutes_mail.MAX_TRIES
    assert not delivery.attempts.filter(sent=True).exists()
    assert mailoutbox == []

    page = client.get(reverse("stocktakes:minutes_view", args=[held.pk])).content.decode()
    assert 'data-testid="delivery-failed"' in page
    assert 'data-testid="send-again"' in page

    # The official reading the minutes sees them, not the unit's e-mail trouble.
    client.force_login(ctx.world.users["official"])
    reader = client.get(reverse("stocktakes:minutes_view", args=[held.pk])).content.decode()
    assert 'data-testid="minutes-delivery"' not in reader

    server.failures = 0
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            reverse("stocktakes:minutes_send_again", args=[held.pk]), {"delivery": delivery.pk}
        )
    assert again.status_code == 302
    followed = client.get(again["Location"]).content.decode()
    assert SENDING_AGAIN in followed
    assert 'data-testid="delivery-sent"' in followed
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ADDRESSES.splitlines()
    assert MinutesDelivery.objects.filter(minutes=minutes).count() == 2


def test_send_again_from_a_stale_page_sends_nothing_twice(
    client, ctx, held, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    MailServer(monkeypatch, failures=minutes_mail.MAX_TRIES)
    analyst = ctx.world.users["analyst"]
    client.force_login(analyst)
    _issue(client, held, django_capture_on_commit_callbacks)
    failed = MinutesDelivery.objects.get(minutes__meeting=held)
    url = reverse("stocktakes:minutes_send_again", args=[held.pk])
    with django_capture_on_commit_callbacks(execute=False):
        first = client.post(url, {"delivery": failed.pk})
        second = client.post(url, {"delivery": failed.pk})
    assert first.status_code == second.status_code == 302
    assert MinutesDelivery.objects.filter(minutes=failed.minutes).count() == 2
    page = client.get(second["Location"]).content.decode()
    assert escape(SEND_AGAIN_CONFLICT) in page


def test_only_editors_send_again(
    client, ctx, held, monkeypatch, django_capture_on_commit_callbacks
):
    MailServer(monkeypatch, failures=minutes_mail.MAX_TRIES)
    client.force_login(ctx.world.users["analyst"])
    _issue(client, held, django_capture_on_commit_callbacks)
    failed = MinutesDelivery.objects.get(minutes__meeting=held)
    client.force_login(ctx.world.users["official"])
    response = client.post(
        reverse("stocktakes:minutes_send_again", args=[held.pk]), {"delivery": failed.pk}
    )
    assert response.status_code == 403
    assert MinutesDelivery.objects.filter(minutes=failed.minutes).count() == 1


def test_an_error_not_worth_retrying_gives_up_at_once(
    ctx, held, monkeypatch, django_capture_on_commit_callbacks
):
    MailServer(monkeypatch, failures=1, error=ValueError("bad header"))
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_issue(meeting=held, by=ctx.world.users["analyst"], expected_version=1)
    delivery = MinutesDelivery.objects.get(minutes__meeting=held)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts.count() == 1


def test_a_delivery_sent_already_is_not_sent_twice(
    ctx, held, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_issue(meeting=held, by=ctx.world.users["analyst"], expected_version=1)
    delivery = MinutesDelivery.objects.get(minutes__meeting=held)
    minutes_mail.send_once(delivery.pk, last_try=False)
    assert len(mailoutbox) == 1
    assert delivery.attempts.count() == 1
