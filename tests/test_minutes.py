"""Minutes: the record per agenda item, actions allocated in place, issuing (read-only from then
on, and an email to the distribution list) and reading issued minutes."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from stocktakes import services
from stocktakes.forms_actions import OWNER_REQUIRED
from stocktakes.models import (
    MINUTES_ISSUED,
    Action,
    ActionSource,
    AgendaItem,
    Meeting,
    MeetingStatus,
    Minutes,
)
from stocktakes.services import BAD_ADDRESS, DESCRIPTION_REQUIRED, HOLD_FIRST, NO_DISTRIBUTION
from stocktakes.views_actions import (
    ACTION_ALLOCATED,
    MINUTES_CONFLICT,
    MINUTES_NOT_ISSUED,
    MINUTES_SAVED,
)

from .matrix_stocktakes import build_stocktakes

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ctx(world):
    ctx = SimpleNamespace(world=world)
    build_stocktakes(ctx)
    return ctx


@pytest.fixture
def meeting(ctx):
    return ctx.meeting["own"]


@pytest.fixture
def item(ctx):
    return ctx.agenda_item["own"]


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def hold(meeting):
    # Held without building a pack: the pack pipeline is tested with the packs.
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
    meeting.refresh_from_db()


def edit_url(meeting):
    return reverse("stocktakes:minutes_edit", args=[meeting.pk])


def allocate_url(meeting):
    return reverse("stocktakes:action_create_in_minutes", args=[meeting.pk])


def issue_url(meeting):
    return reverse("stocktakes:minutes_issue", args=[meeting.pk])


def view_url(meeting):
    return reverse("stocktakes:minutes_view", args=[meeting.pk])


def minutes_data(item, *, version="0", **changes):
    data = {
        "summary": "Progress is slower than planned; the unit will look again in six weeks.",
        "distribution": "private.office@example.gov.uk\nsecretariat@example.gov.uk",
        f"record_{item.pk}": "The department set out the recovery plan.",
        f"decisions_{item.pk}": "Agree the recovery plan\nReport back in six weeks",
        "version": version,
    }
    data.update(changes)
    return data


def action_data(ctx, item=None, **changes):
    data = {
        "action-description": "Publish the recruitment plan",
        "action-owner": "Director General, Borders",
        "action-owner_user": ctx.world.users["official"].pk,
        "action-department": ctx.world.own.pk,
        "action-due": "2024-06-30",
        "action-agenda_item": item.pk if item else "",
    }
    data.update(changes)
    return data


def issued(ctx, meeting, item, client, analyst, django_capture_on_commit_callbacks):
    hold(meeting)
    client.force_login(analyst)
    client.post(edit_url(meeting), minutes_data(item))
    client.post(allocate_url(meeting), action_data(ctx, item), **HTMX)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(issue_url(meeting), {"version": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Minutes.objects.get(meeting=meeting)


# --- writing ------------------------------------------------------------------------------


def test_editor_saves_the_minutes(client, ctx, meeting, item, analyst):
    client.force_login(analyst)
    page = client.get(edit_url(meeting))
    assert page.status_code == 200
    assert page.context["form"]["version"].value() == 0

    response = client.post(edit_url(meeting), minutes_data(item))

    assert response.status_code == 302
    assert MINUTES_SAVED in client.get(response["Location"]).content.decode()
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.summary.startswith("Progress is slower")
    assert minutes.distribution == "private.office@example.gov.uk\nsecretariat@example.gov.uk"
    assert minutes.version == 1
    assert not minutes.is_issued
    item.refresh_from_db()
    assert item.record == "The department set out the recovery plan."
    assert item.decisions == "Agree the recovery plan\nReport back in six weeks"
    assert item.history.first().history_user == analyst

    client.post(edit_url(meeting), minutes_data(item, version="1", summary="Second draft"))
    minutes.refresh_from_db()
    assert (minutes.summary, minutes.version) == ("Second draft", 2)


def test_a_bad_address_is_refused_when_saving(client, meeting, item, analyst):
    client.force_login(analyst)

    response = client.post(
        edit_url(meeting), minutes_data(item, distribution="ok@example.gov.uk\nnot an address")
    )

    assert response.status_code == 422
    assert escape(BAD_ADDRESS.format(address="not an address")) in response.content.decode()
    assert not Minutes.objects.filter(meeting=meeting).exists()
    item.refresh_from_db()
    assert item.record == ""


def test_concurrent_minutes_save_is_a_conflict(client, meeting, item, analyst, world):
    client.force_login(analyst)
    client.post(edit_url(meeting), minutes_data(item))
    other = client_for(world.users["unit_lead"])
    other.post(edit_url(meeting), minutes_data(item, version="1", summary="The lead's summary"))

    response = client.post(edit_url(meeting), minutes_data(item, version="1", summary="Mine"))

    assert response.status_code == 409
    html = response.content.decode()
    assert escape(MINUTES_CONFLICT) in html
    assert "The lead&#x27;s summary" in html
    assert "\nMine</textarea>" in html
    assert response.context["form"]["version"].value() == "2"
    assert Minutes.objects.get(meeting=meeting).summary == "The lead's summary"


def test_two_minutes_drafts_started_at_once_do_not_overwrite(client, meeting, item, analyst, world):
    client.force_login(analyst)
    client_for(world.users["unit_lead"]).post(edit_url(meeting), minutes_data(item))

    # This user opened the page when there were no minutes yet (version 0).
    response = client.post(edit_url(meeting), minutes_data(item, summary="Mine"))

    assert response.status_code == 409
    assert Minutes.objects.get(meeting=meeting).summary.startswith("Progress is slower")


@pytest.mark.parametrize("user", ["official", "minister", "minister_all"])
def test_only_editors_write_minutes(client, meeting, item, world, user):
    client.force_login(world.users[user])

    assert client.get(edit_url(meeting)).status_code == 403
    assert client.post(edit_url(meeting), minutes_data(item)).status_code == 403
    assert client.post(allocate_url(meeting), {}).status_code == 403
    assert not Minutes.objects.filter(meeting=meeting).exists()


# --- allocating actions -------------------------------------------------------------------


def test_two_actions_are_allocated_in_place_with_htmx(client, ctx, meeting, item, analyst):
    client.force_login(analyst)

    first = client.post(allocate_url(meeting), action_data(ctx, item), **HTMX)
    second = client.post(
        allocate_url(meeting),
        action_data(
            ctx,
            None,
            **{
                "action-description": "Write to local authorities",
                "action-owner": "Permanent Secretary",
                "action-owner_user": "",
                "action-department": ctx.world.other.pk,
            },
        ),
        **HTMX,
    )

    for response in (first, second):
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html
        assert html.lstrip().startswith('<section id="allocated"')
        assert "HX-Request" in response["Vary"]
    html = second.content.decode()
    assert ACTION_ALLOCATED.format(owner="Permanent Secretary") in html
    assert html.count('data-testid="allocated-action"') == 2
    # The form comes back empty, ready for the next action.
    assert 'name="action-description"' in html
    assert "Write to local authorities</textarea>" not in html

    recruitment, letters = Action.objects.filter(meeting=meeting).order_by("pk")
    assert recruitment.agenda_item == item
    assert recruitment.priority == item.priority
    assert recruitment.owner_user == ctx.world.users["official"]
    assert recruitment.department == ctx.world.own
    assert recruitment.source == ActionSource.MEETING
    assert recruitment.updates.get().by == analyst
    assert letters.agenda_item is None
    assert letters.owner_user is None
    assert letters.department == ctx.world.other


def test_allocating_without_htmx_redirects_back_to_the_minutes(client, ctx, meeting, item, analyst):
    client.force_login(analyst)

    response = client.post(allocate_url(meeting), action_data(ctx, item))

    assert response.status_code == 302
    assert response["Location"] == edit_url(meeting) + "#allocated"
    assert Action.objects.filter(meeting=meeting).count() == 1


def test_an_incomplete_action_is_refused_with_its_errors(client, ctx, meeting, item, analyst):
    client.force_login(analyst)

    response = client.post(
        allocate_url(meeting),
        action_data(ctx, item, **{"action-description": "  ", "action-owner": ""}),
        **HTMX,
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert escape(DESCRIPTION_REQUIRED) in html
    assert escape(OWNER_REQUIRED) in html
    assert 'href="#id_action-owner"' in html
    assert not Action.objects.filter(meeting=meeting).exists()


def test_an_agenda_item_of_another_meeting_is_refused(client, ctx, meeting, analyst):
    client.force_login(analyst)

    response = client.post(
        allocate_url(meeting), action_data(ctx, ctx.agenda_item["other"]), **HTMX
    )

    assert response.status_code == 422
    assert not Action.objects.filter(meeting=meeting).exists()


# --- issuing ------------------------------------------------------------------------------


def test_issuing_sends_one_email_to_the_distribution_list(
    client, ctx, meeting, item, analyst, mailoutbox, django_capture_on_commit_callbacks
):
    minutes = issued(ctx, meeting, item, client, analyst, django_capture_on_commit_callbacks)

    assert minutes.is_issued
    assert minutes.issued_by == analyst
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.MINUTED
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["private.office@example.gov.uk", "secretariat@example.gov.uk"]
    assert str(meeting) in email.subject


def test_issued_minutes_cannot_change(
    client, ctx, meeting, item, analyst, mailoutbox, django_capture_on_commit_callbacks
):
    minutes = issued(ctx, meeting, item, client, analyst, django_capture_on_commit_callbacks)
    item.refresh_from_db()
    before = (minutes.summary, minutes.distribution, minutes.version, item.record, item.decisions)
    actions_before = Action.objects.filter(meeting=meeting).count()

    page = client.get(edit_url(meeting))
    saved = client.post(edit_url(meeting), minutes_data(item, version=str(minutes.version)))
    allocated = client.post(allocate_url(meeting), action_data(ctx, item), **HTMX)
    allocated_plain = client.post(allocate_url(meeting), action_data(ctx, item))
    reissued = client.post(issue_url(meeting), {"version": str(minutes.version)})

    assert page.status_code == 200
    assert 'data-testid="minutes-read-only"' in page.content.decode()
    assert 'data-testid="minutes-form"' not in page.content.decode()
    assert 'data-testid="action-form"' not in page.content.decode()
    for response in (saved, allocated, allocated_plain, reissued):
        assert response.status_code == 409
        assert escape(MINUTES_ISSUED) in response.content.decode()
    assert "<html" not in allocated.content.decode()
    with pytest.raises(ValidationError):
        services.agenda_item_update(
            item=item, by=analyst, expected_version=item.version, record="Rewritten afterwards"
        )
    minutes.refresh_from_db()
    item.refresh_from_db()
    after = (minutes.summary, minutes.distribution, minutes.version, item.record, item.decisions)
    assert after == before
    assert Action.objects.filter(meeting=meeting).count() == actions_before
    assert AgendaItem.objects.get(pk=item.pk).record == "The department set out the recovery plan."
    assert len(mailoutbox) == 1


def test_issuing_is_refused_before_the_meeting_is_held(
    client, meeting, item, analyst, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    client.post(edit_url(meeting), minutes_data(item))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(issue_url(meeting), {"version": "1"})

    assert response.status_code == 422
    assert escape(HOLD_FIRST) in response.content.decode()
    assert not Minutes.objects.get(meeting=meeting).is_issued
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert mailoutbox == []


def test_issuing_is_refused_with_a_bad_address(
    client, meeting, item, analyst, mailoutbox, django_capture_on_commit_callbacks
):
    hold(meeting)
    # The form checks addresses as they are saved; the service checks again when issuing.
    services.minutes_save(
        meeting=meeting,
        by=analyst,
        expected_version=None,
        summary="",
        distribution="ok@example.gov.uk\nno-at-sign",
        items={},
    )
    client.force_login(analyst)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(issue_url(meeting), {"version": "1"})

    assert response.status_code == 422
    html = response.content.decode()
    assert escape(BAD_ADDRESS.format(address="no-at-sign")) in html
    assert 'href="#id_distribution"' in html
    assert not Minutes.objects.get(meeting=meeting).is_issued
    assert mailoutbox == []


def test_issuing_is_refused_without_a_distribution_list(client, meeting, item, analyst):
    hold(meeting)
    client.force_login(analyst)
    client.post(edit_url(meeting), minutes_data(item, distribution=""))

    response = client.post(issue_url(meeting), {"version": "1"})

    assert response.status_code == 422
    assert escape(NO_DISTRIBUTION) in response.content.decode()
    assert not Minutes.objects.get(meeting=meeting).is_issued


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["official", "minister", "minister_all", "unit_lead"])
def test_issued_minutes_are_readable_in_scope(
    client, ctx, meeting, item, analyst, world, reader, django_capture_on_commit_callbacks
):
    issued(ctx, meeting, item, client, analyst, django_capture_on_commit_callbacks)
    client.force_login(world.users[reader])

    response = client.get(view_url(meeting))

    assert response.status_code == 200
    html = response.content.decode()
    assert "The department set out the recovery plan." in html
    assert "<li>Report back in six weeks</li>" in html
    assert "Publish the recruitment plan" in html


def test_minutes_of_another_departments_meeting_are_not_found(client, ctx, official):
    client.force_login(official)
    assert client.get(view_url(ctx.meeting["other"])).status_code == 404


def test_minutes_not_yet_issued_say_so(client, meeting, item, analyst, official):
    client.force_login(analyst)
    client.post(edit_url(meeting), minutes_data(item))
    client.force_login(official)

    html = client.get(view_url(meeting)).content.decode()

    assert MINUTES_NOT_ISSUED in html
    assert "The department set out the recovery plan." not in html


def test_user_text_in_minutes_is_escaped(
    client, ctx, meeting, item, analyst, django_capture_on_commit_callbacks
):
    markup = "<img src=x onerror=alert(1)>"
    hold(meeting)
    client.force_login(analyst)
    client.post(
        edit_url(meeting),
        minutes_data(item, summary=markup, **{f"record_{item.pk}": markup}),
    )
    client.post(
        allocate_url(meeting),
        action_data(ctx, item, **{"action-description": markup}),
        **HTMX,
    )
    for html in (
        client.get(edit_url(meeting)).content.decode(),
        client.post(allocate_url(meeting), action_data(ctx, item), **HTMX).content.decode(),
    ):
        assert markup not in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(issue_url(meeting), {"version": "1"})

    html = client.get(view_url(meeting)).content.decode()

    assert Minutes.objects.get(meeting=meeting).is_issued
    assert markup not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_minutes_link_only_to_actions_the_reader_may_open(
    client, ctx, meeting, item, analyst, official, django_capture_on_commit_callbacks
):
    hold(meeting)
    client.force_login(analyst)
    client.post(edit_url(meeting), minutes_data(item))
    client.post(
        allocate_url(meeting),
        action_data(
            ctx,
            item,
            **{
                "action-description": "Health to share data",
                "action-department": ctx.world.other.pk,
            },
        ),
        **HTMX,
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(issue_url(meeting), {"version": "1"})
    health_action = Action.objects.get(meeting=meeting)
    client.force_login(official)

    html = client.get(view_url(meeting)).content.decode()

    assert "Health to share data" in html
    assert reverse("stocktakes:action_detail", args=[health_action.pk]) not in html
