"""Unit leads manage users on the app's own pages, never through the admin: they create users
(who set their password from a one-time set-up link), set role and department, deactivate and
unlock; superuser, staff, groups and permissions are never reachable from the web."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from deliveryunit.editing import CONFLICT_MESSAGE
from deliveryunit.models import Role, User
from deliveryunit.services import UNIT_LEAD_GROUP, user_apply_role

from .factories import PASSWORD


@pytest.fixture
def lead(client, world):
    lead = world.users["unit_lead"]
    user_apply_role(user=lead)
    client.force_login(lead)
    return lead


def test_a_unit_lead_cannot_make_anyone_a_superuser_through_the_admin(client, world, lead):
    target = world.users["official"]
    change = reverse("admin:deliveryunit_user_change", args=[target.pk])
    response = client.get(change)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    client.post(
        change,
        {
            "username": "official",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "role": Role.OFFICIAL,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": "Taken-over-2026!", "password2": "Taken-over-2026!"},
    )
    target.refresh_from_db()
    lead.refresh_from_db()
    assert not target.is_superuser
    assert not target.is_staff
    assert target.check_password(PASSWORD)
    assert not lead.is_staff
    assert not lead.is_superuser
    assert not lead.user_permissions.exists()


def test_the_unit_lead_group_holds_no_permissions(db):
    group = Group.objects.filter(name=UNIT_LEAD_GROUP).first()
    assert group is None or not group.permissions.exists()
    assert not Permission.objects.filter(group__name=UNIT_LEAD_GROUP).exists()


def test_the_user_page_ignores_superuser_staff_and_groups(client, world, lead):
    target = world.users["official"]
    response = client.post(
        reverse("users:edit", args=[target.pk]),
        {
            "version": target.version,
            "first_name": "Olu",
            "last_name": "Official",
            "email": "olu@example.gov.uk",
            "role": Role.ANALYST,
            "department": world.own.pk,
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": "1",
            "password": "x",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.ANALYST
    assert target.first_name == "Olu"
    assert not target.is_superuser
    assert not target.is_staff
    assert not target.groups.exists()
    assert target.check_password(PASSWORD)
    assert target.events.filter(action="changed", by=lead).exists()


def test_a_stale_user_form_is_refused(client, world, lead):
    target = world.users["official"]
    data = {
        "version": target.version,
        "first_name": "A",
        "last_name": "",
        "email": "",
        "role": Role.OFFICIAL,
        "department": world.own.pk,
        "is_active": "on",
    }
    assert client.post(reverse("users:edit", args=[target.pk]), data).status_code == 302
    stale = client.post(reverse("users:edit", args=[target.pk]), {**data, "first_name": "B"})
    assert stale.status_code == 409
    assert CONFLICT_MESSAGE in stale.content.decode()
    target.refresh_from_db()
    assert target.first_name == "A"


def test_a_new_user_sets_their_password_from_a_one_time_link(client, world, lead):
    response = client.post(
        reverse("users:create"),
        {
            "username": "newbie",
            "first_name": "New",
            "last_name": "Person",
            "email": "new@example.gov.uk",
            "role": Role.OFFICIAL,
            "department": world.own.pk,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert not user.has_usable_password()
    assert not user.is_staff
    assert not user.is_superuser
    page = client.get(response["Location"]).content.decode()
    link = page.split('data-testid="setup-link">')[1].split("<")[0].strip()
    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": "Fresh-start-2026!", "new_password2": "Fresh-start-2026!"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Fresh-start-2026!")
    # Once used, the link is dead.
    assert client.get(link, follow=True).context["validlink"] is False


def test_a_unit_lead_unlocks_a_locked_out_account(client, world, lead):
    client.logout()
    for _ in range(5):
        client.post(reverse("login"), {"username": "official", "password": "wrong"})
    assert AccessAttempt.objects.filter(username="official").exists()
    client.force_login(lead)
    target = world.users["official"]
    response = client.post(reverse("users:unlock", args=[target.pk]))
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="official").exists()
    assert target.events.filter(action="unlocked").exists()
    client.logout()
    signed_in = client.post(
        reverse("login"), {"username": "official", "password": PASSWORD}, follow=True
    )
    assert signed_in.context["user"].username == "official"


def test_a_unit_lead_cannot_deactivate_or_demote_themselves(client, world, lead):
    response = client.post(
        reverse("users:edit", args=[lead.pk]),
        {
            "version": lead.version,
            "first_name": "",
            "last_name": "",
            "email": "",
            "role": Role.ANALYST,
            "department": "",
        },
    )
    assert response.status_code == 422
    lead.refresh_from_db()
    assert lead.role == Role.UNIT_LEAD
    assert lead.is_active


def test_superusers_are_not_on_the_users_pages(client, world, lead):
    root = User.objects.create_superuser("root", "root@example.gov.uk", "x-Long-enough-1")
    assert "root" not in client.get(reverse("users:list")).content.decode()
    assert client.get(reverse("users:edit", args=[root.pk])).status_code == 404


@pytest.mark.parametrize("who", ["analyst", "minister", "official"])
def test_only_the_unit_lead_manages_users(client, world, who):
    client.force_login(world.users[who])
    assert client.get(reverse("users:list")).status_code == 403
