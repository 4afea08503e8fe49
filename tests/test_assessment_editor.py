"""The assessment editor through HTTP: guidance and last round beside each judgement, saving
with history, validation, submit / agree / return, conflicts, key challenges with htmx, the
publication lock on every path, history and escaping."""

from datetime import date

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from assessments import services
from assessments.editor import LAST_ROUND
from assessments.forms import AREA_RATING_NOT_ON_SCALE, RATING_NOT_ON_SCALE
from assessments.models import (
    ROUND_PUBLISHED,
    Area,
    Assessment,
    AssessmentStatus,
    KeyChallenge,
    RatingOption,
    RoundLocked,
)
from assessments.views_challenges import CHALLENGE_ADDED, CHALLENGE_CHANGED
from assessments.views_editor import AGREED, RETURNED, SAVED, SAVED_BUT_REFUSED, SUBMITTED
from deliveryunit import access
from deliveryunit.editing import CONFLICT_MESSAGE, VERSION_MISSING

from .factories import MeasureFactory, PriorityFactory, UserFactory, add_trajectory
from .matrix_assessments import select

JUDGEMENTS = {
    "challenge": "H",
    "planning": "AG",
    "capacity": "AR",
    "stage": "2",
    "likelihood": "AG",
}


def editor_data(version, **overrides):
    data = {"editor": "1", "version": str(version)}
    for code, value in JUDGEMENTS.items():
        data[code] = value
        data[f"{code}_rationale"] = f"Why {code} is {value}."
    data["performance_commentary"] = "Two of three measures on track."
    data["narrative"] = "Mixed, with the main risks managed."
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def users(world):
    return world.users


@pytest.fixture
def setup(world, users):
    """A Home Office priority with a measure, assessed and published in December 2002, and
    a draft round (December 2003) in which it is being assessed now."""
    analyst, lead = users["analyst"], users["unit_lead"]
    priority = PriorityFactory(code="HO 1", title="Asylum decisions", lead_department=world.own)
    measure = MeasureFactory(priority=priority, name="Decisions within two months")
    add_trajectory(measure, [(date(2003, 1, 1), 60), (date(2003, 12, 1), 80)])
    earlier = services.round_create(
        by=lead, name="December 2002", date=date(2002, 12, 31), priorities=[priority]
    )
    past = services.assessment_start(round_=earlier, priority=priority, by=analyst)
    past = services.assessment_save(
        assessment=past,
        by=analyst,
        expected_version=past.version,
        judgements={
            "challenge": "VH",
            "planning": "R",
            "capacity": "R",
            "stage": "1",
            "likelihood": "R",
        },
        texts={
            "likelihood_rationale": "Backlog growing month on month.",
            "planning_rationale": "No plan yet.",
        },
    )
    past = services.assessment_submit(assessment=past, by=analyst, expected_version=past.version)
    services.assessment_agree(assessment=past, by=lead, expected_version=past.version)
    services.round_publish(round_=earlier, by=lead)
    current = services.round_create(
        by=lead, name="December 2003", date=date(2003, 12, 31), priorities=[priority]
    )
    return {"priority": priority, "round": current, "earlier": earlier, "measure": measure}


def edit_url(setup):
    return reverse("assessments:assessment_edit", args=[setup["round"].pk, setup["priority"].pk])


def current_assessment(setup):
    return Assessment.objects.filter(round=setup["round"], priority=setup["priority"]).first()


def started(setup, by, **judgements):
    assessment = services.assessment_start(round_=setup["round"], priority=setup["priority"], by=by)
    if judgements:
        assessment = services.assessment_save(
            assessment=assessment,
            by=by,
            expected_version=assessment.version,
            judgements=judgements,
            texts={"likelihood_rationale": "Reasoned."},
        )
    return assessment


def submitted(setup, by):
    assessment = started(setup, by, **JUDGEMENTS)
    return services.assessment_submit(
        assessment=assessment, by=by, expected_version=assessment.version
    )


def snapshot_of(assessment):
    """Everything a write could change: the row, its challenges and history."""
    assessment.refresh_from_db()
    return (
        {f.name: getattr(assessment, f.name) for f in Assessment._meta.concrete_fields},
        list(assessment.key_challenges.values_list("pk", "order", "title", "progress")),
        Assessment.history.count(),
        KeyChallenge.history.count(),
    )


# --- showing the editor -------------------------------------------------------------------


def test_editor_shows_guidance_scale_and_last_round_and_get_writes_nothing(client, users, setup):
    client.force_login(users["analyst"])
    response = client.get(edit_url(setup))
    assert response.status_code == 200
    html = response.content.decode()
    area = Area.objects.filter(dimension__code="planning").exclude(group="").first()
    # The framework guidance beside the judgement: question, worst and best case, grouped.
    assert escape(area.question) in html
    assert escape(area.worst_case) in html
    assert escape(area.best_case) in html
    assert escape(area.group) in html
    # Each rating option with its code, label and meaning.
    red = RatingOption.objects.get(dimension__code="likelihood", code="R")
    assert escape(red.meaning) in html
    assert f'<span class="du-rag du-rag--red">R</span> {red.label}' in html
    assert 'name="likelihood" type="radio" value="AR"' in html
    # Last round's judgement and rationale, labelled with the round.
    assert LAST_ROUND.format(name="December 2002") in html
    assert "Backlog growing month on month." in html
    assert "No plan yet." in html
    assert current_assessment(setup) is None
    assert Assessment.history.filter(round_id=setup["round"].pk).count() == 0


def test_dimensions_come_in_the_grid_order(client, users, setup):
    client.force_login(users["analyst"])
    html = client.get(edit_url(setup)).content.decode()
    positions = [html.index(f'data-testid="dimension-{code}"') for code in JUDGEMENTS]
    assert positions == sorted(positions)


# --- saving -------------------------------------------------------------------------------


def test_first_save_starts_the_assessment_and_records_who(client, users, setup):
    analyst = users["analyst"]
    client.force_login(analyst)
    area = Area.objects.filter(dimension__code="capacity").first()
    response = client.post(
        edit_url(setup),
        editor_data(
            0, **{f"area_{area.pk}_rating": "AG", f"area_{area.pk}_evidence": "Strong team."}
        ),
    )
    assert response.status_code == 302
    assessment = current_assessment(setup)
    assert assessment.challenge == "H"
    assert assessment.likelihood_rationale == "Why likelihood is AG."
    assert assessment.author == analyst
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.area_ratings.get(area=area).evidence == "Strong team."
    # The snapshot of the measures as at the round date was taken when it started.
    assert assessment.performance_snapshot[0]["measure"] == "Decisions within two months"
    records = assessment.history.all()
    assert records.count() == 2
    assert {r.history_user for r in records} == {analyst}
    followed = client.get(response.url)
    assert SAVED in followed.content.decode()


def test_unknown_rating_code_is_refused_and_nothing_is_written(client, users, setup):
    client.force_login(users["analyst"])
    area = Area.objects.filter(dimension__code="challenge").first()
    response = client.post(
        edit_url(setup), editor_data(0, challenge="X", **{f"area_{area.pk}_rating": "ZZ"})
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert RATING_NOT_ON_SCALE.format(dimension="degree of challenge") in html
    assert (
        escape(AREA_RATING_NOT_ON_SCALE.format(dimension="degree of challenge", area=area.name))
        in html
    )
    assert 'class="govuk-error-summary"' in html
    # What was typed is still in the form.
    assert "Why planning is AG." in html
    assert current_assessment(setup) is None


def test_unknown_rating_on_an_existing_assessment_changes_nothing(client, users, setup):
    assessment = started(setup, users["analyst"], challenge="L")
    before = snapshot_of(assessment)
    client.force_login(users["analyst"])
    response = client.post(edit_url(setup), editor_data(assessment.version, likelihood="Q"))
    assert response.status_code == 422
    assert snapshot_of(assessment) == before


def test_submit_of_an_incomplete_assessment_is_refused_but_the_typing_is_saved(
    client, users, setup
):
    client.force_login(users["analyst"])
    data = editor_data(0, stage=None, likelihood_rationale="", action="submit")
    response = client.post(edit_url(setup), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert services.SUBMIT_INCOMPLETE in html
    assert SAVED_BUT_REFUSED.format(action="submitted") in html
    assessment = current_assessment(setup)
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.challenge_rationale == "Why challenge is H."
    # The form carries the saved version, so saving again is not a conflict.
    assert f'id="editor-version" value="{assessment.version}"' in html


def test_bare_submit_of_an_incomplete_assessment_is_refused(client, users, setup):
    assessment = started(setup, users["analyst"], challenge="H")
    client.force_login(users["analyst"])
    response = client.post(
        reverse("assessments:assessment_submit", args=[assessment.pk]),
        {"version": assessment.version},
    )
    assert response.status_code == 422
    assert services.SUBMIT_INCOMPLETE in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_save_and_submit(client, users, setup):
    client.force_login(users["analyst"])
    response = client.post(edit_url(setup), editor_data(0, action="submit"))
    assert response.status_code == 302
    assert current_assessment(setup).status == AssessmentStatus.SUBMITTED
    assert SUBMITTED in client.get(response.url).content.decode()


def test_unit_lead_agrees_a_submitted_assessment(client, users, setup):
    assessment = submitted(setup, users["analyst"])
    lead = users["unit_lead"]
    client.force_login(lead)
    html = client.get(edit_url(setup)).content.decode()
    assert ">Agree</button>" in html
    response = client.post(
        reverse("assessments:assessment_agree", args=[assessment.pk]),
        {"version": assessment.version},
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.AGREED
    assert assessment.moderator == lead
    assert assessment.history.first().history_user == lead
    assert AGREED in client.get(response.url).content.decode()


def test_unit_lead_agrees_from_the_editor_form(client, users, setup):
    assessment = submitted(setup, users["analyst"])
    client.force_login(users["unit_lead"])
    response = client.post(
        reverse("assessments:assessment_agree", args=[assessment.pk]),
        editor_data(
            assessment.version, narrative="Agreed at moderation, with a sharper narrative."
        ),
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.AGREED
    assert assessment.narrative == "Agreed at moderation, with a sharper narrative."


def test_analyst_cannot_agree_or_return(client, users, setup):
    assessment = submitted(setup, users["analyst"])
    client.force_login(users["analyst"])
    assert ">Agree</button>" not in client.get(edit_url(setup)).content.decode()
    for name in ("assessments:assessment_agree", "assessments:assessment_return"):
        response = client.post(reverse(name, args=[assessment.pk]), {"version": assessment.version})
        assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_unit_lead_returns_an_assessment_to_draft(client, users, setup):
    assessment = submitted(setup, users["analyst"])
    client.force_login(users["unit_lead"])
    response = client.post(
        reverse("assessments:assessment_return", args=[assessment.pk]),
        {"version": assessment.version},
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT
    assert RETURNED in client.get(response.url).content.decode()


def test_agreeing_a_draft_is_refused_with_the_services_message(client, users, setup):
    assessment = started(setup, users["analyst"], **JUDGEMENTS)
    client.force_login(users["unit_lead"])
    response = client.post(
        reverse("assessments:assessment_agree", args=[assessment.pk]),
        {"version": assessment.version},
    )
    assert response.status_code == 422
    assert services.AGREE_NOT_SUBMITTED in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_refresh_takes_a_new_performance_snapshot(client, users, setup):
    from priorities import services as priority_services
    from priorities.services import ActualData

    assessment = started(setup, users["analyst"])
    assert assessment.performance_snapshot[0]["actual"] is None
    priority_services.actual_record(
        measure=setup["measure"],
        by=users["analyst"],
        data=ActualData(period=date(2003, 6, 1), value=71),
    )
    client.force_login(users["analyst"])
    response = client.post(edit_url(setup), editor_data(assessment.version, action="refresh"))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.performance_snapshot[0]["actual"] == 71
    html = client.get(edit_url(setup)).content.decode()
    assert "2003-06" in html
    assert "71%" in html


# --- conflicts ----------------------------------------------------------------------------


def test_second_save_from_the_same_version_is_a_conflict_showing_both(client, users, setup):
    assessment = started(setup, users["analyst"], challenge="M")
    version = assessment.version
    other = UserFactory(username="second_analyst", role="analyst")
    first, second = Client(), Client()
    first.force_login(users["analyst"])
    second.force_login(other)

    assert (
        first.post(edit_url(setup), editor_data(version, narrative="Mine first.")).status_code
        == 302
    )
    response = second.post(
        edit_url(setup), editor_data(version, challenge="VH", narrative="Theirs second.")
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert CONFLICT_MESSAGE in html
    assert 'data-testid="conflict"' in html
    # Both versions side by side, per field.
    assert "Mine first." in html
    assert "Theirs second." in html
    assert "VH Very high" in html
    assert "H High" in html
    # Nothing overwritten.
    assessment.refresh_from_db()
    assert assessment.narrative == "Mine first."
    assert assessment.challenge == "H"
    # Typed values kept, with the version moved on so a deliberate re-save overwrites.
    assert f'id="editor-version" value="{assessment.version}"' in html
    assert 'value="VH" checked' in html
    again = second.post(
        edit_url(setup), editor_data(assessment.version, challenge="VH", narrative="Theirs second.")
    )
    assert again.status_code == 302
    assessment.refresh_from_db()
    assert assessment.narrative == "Theirs second."


def test_two_first_saves_of_a_new_assessment_conflict(client, users, setup):
    first, second = Client(), Client()
    first.force_login(users["analyst"])
    second.force_login(users["unit_lead"])
    assert first.post(edit_url(setup), editor_data(0, narrative="First.")).status_code == 302
    response = second.post(edit_url(setup), editor_data(0, narrative="Second."))
    assert response.status_code == 409
    assert current_assessment(setup).narrative == "First."


# --- key challenges -----------------------------------------------------------------------


def htmx_post(client, url, data, **extra):
    return client.post(url, data, HTTP_HX_REQUEST="true", **extra)


def titles(assessment):
    return list(assessment.key_challenges.order_by("order").values_list("title", flat=True))


def test_key_challenges_added_moved_and_removed_with_htmx_return_the_partial(client, users, setup):
    assessment = started(setup, users["analyst"])
    client.force_login(users["analyst"])
    add_url = reverse("assessments:challenge_add", args=[assessment.pk])
    for title in ("Backlog", "Caseworker recruitment", "Removals"):
        response = htmx_post(client, add_url, {"title": title, "progress": f"{title} progress"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html
        assert 'id="key-challenges"' in html
        assert CHALLENGE_ADDED in html
        assert "HX-Request" in response["Vary"]
    assert titles(assessment) == ["Backlog", "Caseworker recruitment", "Removals"]
    assert html.index("Backlog") < html.index("Caseworker recruitment") < html.index("Removals")

    removals = assessment.key_challenges.get(title="Removals")
    response = htmx_post(
        client,
        reverse("assessments:challenge_move", args=[removals.pk]),
        {"direction": "up", "version": removals.version},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert titles(assessment) == ["Backlog", "Removals", "Caseworker recruitment"]
    assert html.index("Removals") < html.index("Caseworker recruitment")

    backlog = assessment.key_challenges.get(title="Backlog")
    response = htmx_post(
        client,
        reverse("assessments:challenge_remove", args=[backlog.pk]),
        {"version": backlog.version},
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert titles(assessment) == ["Removals", "Caseworker recruitment"]
    assert list(assessment.key_challenges.order_by("order").values_list("order", flat=True)) == [
        1,
        2,
    ]

    response = htmx_post(
        client,
        reverse("assessments:challenge_update", args=[removals.pk]),
        {
            "title": "Removals of failed claimants",
            "progress": "Flights doubled.",
            "version": removals.version,
        },
    )
    assert response.status_code == 200
    removals.refresh_from_db()
    assert (removals.title, removals.progress) == (
        "Removals of failed claimants",
        "Flights doubled.",
    )
    assert titles(assessment) == ["Removals of failed claimants", "Caseworker recruitment"]


def test_key_challenge_without_a_title_is_refused_in_the_partial(client, users, setup):
    assessment = started(setup, users["analyst"])
    client.force_login(users["analyst"])
    response = htmx_post(
        client,
        reverse("assessments:challenge_add", args=[assessment.pk]),
        {"title": " ", "progress": "x"},
    )
    assert response.status_code == 422
    assert "<html" not in response.content.decode()
    assert services.CHALLENGE_TITLE_REQUIRED in response.content.decode()
    assert not assessment.key_challenges.exists()


def test_key_challenges_work_without_javascript(client, users, setup):
    assessment = started(setup, users["analyst"])
    client.force_login(users["analyst"])
    response = client.post(
        reverse("assessments:challenge_add", args=[assessment.pk]), {"title": "Backlog"}
    )
    assert response.status_code == 302
    assert response.url == edit_url(setup) + "#key-challenges"
    challenge = assessment.key_challenges.get()
    response = client.post(
        reverse("assessments:challenge_move", args=[challenge.pk]), {"direction": "sideways"}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("assessments:challenge_remove", args=[challenge.pk]),
        {"version": challenge.version},
    )
    assert response.status_code == 302
    assert not assessment.key_challenges.exists()


def test_editor_version_follows_a_challenge_change_only_when_it_was_current(client, users, setup):
    assessment = started(setup, users["analyst"])
    client.force_login(users["analyst"])
    add_url = reverse("assessments:challenge_add", args=[assessment.pk])
    response = htmx_post(client, add_url, {"title": "One", "editor_version": assessment.version})
    assessment.refresh_from_db()
    html = response.content.decode()
    assert f'id="editor-version" value="{assessment.version}" hx-swap-oob="true"' in html
    # The editor saves from the new version without a conflict.
    assert client.post(edit_url(setup), editor_data(assessment.version)).status_code == 302

    # A stale editor form does not get the new version: its save must still meet the change.
    stale = assessment.version - 1
    response = htmx_post(client, add_url, {"title": "Two", "editor_version": stale})
    assert "hx-swap-oob" not in response.content.decode()


def test_htmx_post_without_the_csrf_token_is_refused(users, setup):
    assessment = started(setup, users["analyst"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["analyst"])
    response = htmx_post(
        client, reverse("assessments:challenge_add", args=[assessment.pk]), {"title": "No token"}
    )
    assert response.status_code == 403
    assert not assessment.key_challenges.exists()


# --- two people changing the same key challenge --------------------------------------------


@pytest.fixture
def challenge(setup, users):
    """A key challenge at version 1, and another below it (so it can be moved down)."""
    analyst = users["analyst"]
    assessment = started(setup, analyst)
    opened = services.key_challenge_add(
        assessment=assessment, by=analyst, title="Backlog", progress="Down a third."
    )
    services.key_challenge_add(assessment=assessment, by=analyst, title="Recruitment")
    return opened


def _text(element) -> str:
    return " ".join(element.text_content().split())


def two_analysts(users):
    first, second = Client(), Client()
    first.force_login(users["analyst"])
    second.force_login(UserFactory(username="second_analyst", role="analyst"))
    return first, second


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "without-javascript"])
def test_second_change_to_a_key_challenge_from_the_same_version_is_refused(
    users, setup, challenge, htmx
):
    first, second = two_analysts(users)
    url = reverse("assessments:challenge_update", args=[challenge.pk])
    opened = challenge.version
    mine = {"title": "Backlog of older cases", "progress": "Mine first.", "version": opened}
    assert htmx_post(first, url, mine).status_code == 200
    before = snapshot_of(challenge.assessment)
    send = htmx_post if htmx else (lambda client, url, data: client.post(url, data))

    theirs = {"title": "Staff shortage", "progress": "Theirs second.", "version": opened}
    response = send(second, url, theirs)

    assert response.status_code == 409
    assert "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert ("<html" in html) is not htmx
    assert CONFLICT_MESSAGE in html
    page = lxml.html.fromstring(html)
    # Both versions side by side.
    conflict = _text(select(page, '[data-testid="conflict"] tbody')[0])
    assert "Backlog of older cases" in conflict
    assert "Staff shortage" in conflict
    # Nothing overwritten.
    assert snapshot_of(challenge.assessment) == before
    challenge.refresh_from_db()
    assert (challenge.title, challenge.progress) == ("Backlog of older cases", "Mine first.")
    # What was typed is kept in the open change form, at their version, so saving it again is a
    # deliberate overwrite.
    row = select(page, f'li[data-challenge="{challenge.pk}"]')[0]
    assert select(row, "details")[0].get("open") is not None
    field = f"challenge-{challenge.pk}"
    assert select(row, f'input[id="{field}-title"]')[0].get("value") == "Staff shortage"
    assert select(row, f'textarea[id="{field}-progress"]')[0].text.strip() == "Theirs second."
    version = select(row, f'input[id="{field}-version"]')[0].get("value")
    assert version == str(challenge.version) != str(opened)
    again = send(second, url, {**theirs, "version": version})
    assert again.status_code == (200 if htmx else 302)
    challenge.refresh_from_db()
    assert (challenge.title, challenge.progress) == ("Staff shortage", "Theirs second.")


@pytest.mark.parametrize(
    ("name", "data", "done"),
    [
        ("challenge_remove", {}, "removed"),
        ("challenge_move", {"direction": "down"}, "moved"),
    ],
)
def test_removing_or_moving_a_key_challenge_changed_since_is_refused(
    users, setup, challenge, name, data, done
):
    first, second = two_analysts(users)
    opened = challenge.version
    changed = {"title": "Backlog of older cases", "progress": "", "version": opened}
    htmx_post(first, reverse("assessments:challenge_update", args=[challenge.pk]), changed)
    before = snapshot_of(challenge.assessment)

    response = htmx_post(
        second, reverse(f"assessments:{name}", args=[challenge.pk]), {**data, "version": opened}
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert CHALLENGE_CHANGED.format(action=done) in html
    assert "Backlog of older cases" in html
    assert snapshot_of(challenge.assessment) == before


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("challenge_update", {"title": "Renamed", "progress": ""}, 422),
        ("challenge_remove", {}, 400),
        ("challenge_move", {"direction": "down"}, 400),
    ],
)
def test_a_key_challenge_change_without_a_version_is_refused(
    client, users, setup, challenge, name, data, status
):
    client.force_login(users["analyst"])
    before = snapshot_of(challenge.assessment)

    response = htmx_post(client, reverse(f"assessments:{name}", args=[challenge.pk]), data)

    assert response.status_code == status
    assert VERSION_MISSING in response.content.decode()
    assert snapshot_of(challenge.assessment) == before


# --- the publication lock -----------------------------------------------------------------


@pytest.fixture
def published(setup, users):
    """The current round, complete and published, with a key challenge on its assessment."""
    analyst, lead = users["analyst"], users["unit_lead"]
    assessment = submitted(setup, analyst)
    services.key_challenge_add(assessment=assessment, by=analyst, title="First")
    services.key_challenge_add(assessment=assessment, by=analyst, title="Second")
    assessment.refresh_from_db()
    services.assessment_agree(assessment=assessment, by=lead, expected_version=assessment.version)
    services.round_publish(round_=setup["round"], by=lead)
    assessment.refresh_from_db()
    return assessment


def test_published_editor_is_read_only(client, users, setup, published):
    client.force_login(users["analyst"])
    response = client.get(edit_url(setup))
    assert response.status_code == 200
    html = response.content.decode()
    assert ROUND_PUBLISHED in html
    assert 'data-testid="assessment-form"' not in html
    assert "<form" not in html.split('data-testid="key-challenges"')[1].split("</main>")[0]


def test_every_write_to_a_published_round_is_refused(client, users, setup, published):
    before = snapshot_of(published)
    first = published.key_challenges.get(title="First")
    client.force_login(users["unit_lead"])
    attempts = [
        (
            edit_url(setup),
            editor_data(published.version, narrative="Changed after publication."),
            False,
        ),
        (edit_url(setup), editor_data(published.version, action="submit"), False),
        (
            reverse("assessments:assessment_submit", args=[published.pk]),
            {"version": published.version},
            False,
        ),
        (
            reverse("assessments:assessment_agree", args=[published.pk]),
            {"version": published.version},
            False,
        ),
        (
            reverse("assessments:assessment_return", args=[published.pk]),
            {"version": published.version},
            False,
        ),
        (reverse("assessments:challenge_add", args=[published.pk]), {"title": "Late"}, True),
        (reverse("assessments:challenge_add", args=[published.pk]), {"title": "Late"}, False),
        (reverse("assessments:challenge_move", args=[first.pk]), {"direction": "down"}, True),
        (reverse("assessments:challenge_remove", args=[first.pk]), {}, True),
        (reverse("assessments:challenge_update", args=[first.pk]), {"title": "Renamed"}, True),
    ]
    for url, data, htmx in attempts:
        response = htmx_post(client, url, data) if htmx else client.post(url, data)
        assert response.status_code == 409, url
        assert ROUND_PUBLISHED in response.content.decode(), url
        if htmx:
            assert "<html" not in response.content.decode()
    assert snapshot_of(published) == before


def test_admin_cannot_change_or_delete_an_assessment(client, setup, published):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    before = snapshot_of(published)
    change = reverse("admin:assessments_assessment_change", args=[published.pk])
    delete = reverse("admin:assessments_assessment_delete", args=[published.pk])
    assert client.post(change, {"narrative": "Edited in the admin."}).status_code == 403
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert snapshot_of(published) == before


def test_direct_save_on_a_published_round_raises(published):
    published.narrative = "Changed in the shell."
    with pytest.raises(RoundLocked):
        published.save()
    challenge = published.key_challenges.first()
    with pytest.raises(RoundLocked):
        challenge.delete()


# --- permissions --------------------------------------------------------------------------


def test_readers_use_the_assessment_page_not_the_editor(client, users, setup):
    """Readers read a published round's assessment and are refused its editor (403); a draft
    round's is the unit's working paper, hidden from them altogether (404)."""
    assessment = started(setup, users["analyst"], **JUDGEMENTS)
    past = Assessment.objects.get(round=setup["earlier"], priority=setup["priority"])
    past_editor = reverse(
        "assessments:assessment_edit", args=[setup["earlier"].pk, past.priority_id]
    )
    for key in ("minister", "official", "minister_all"):
        client.force_login(users[key])
        assert client.get(past_editor).status_code == 403
        assert client.post(past_editor, editor_data(past.version)).status_code == 403
        response = client.get(reverse("assessments:assessment_detail", args=[past.pk]))
        assert response.status_code == 200
        assert client.get(edit_url(setup)).status_code == 404
        assert client.post(edit_url(setup), editor_data(assessment.version)).status_code == 404
        response = client.get(reverse("assessments:assessment_detail", args=[assessment.pk]))
        assert response.status_code == 404
        assert "Edit this assessment" not in response.content.decode()
    assert access.is_editor(users["analyst"])


def test_out_of_scope_assessment_is_not_found(client, world, users):
    analyst, lead = users["analyst"], users["unit_lead"]
    priority = PriorityFactory(lead_department=world.other)
    round_ = services.round_create(
        by=lead, name="June 2004", date=date(2004, 6, 30), priorities=[priority]
    )
    assessment = services.assessment_start(round_=round_, priority=priority, by=analyst)
    client.force_login(users["official"])
    url = reverse("assessments:assessment_edit", args=[round_.pk, priority.pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("assessments:assessment_detail", args=[assessment.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("assessments:assessment_history", args=[assessment.pk])).status_code
        == 404
    )


def test_priority_not_in_the_round_is_not_found(client, users, setup, world):
    stranger = PriorityFactory(lead_department=world.own)
    client.force_login(users["analyst"])
    url = reverse("assessments:assessment_edit", args=[setup["round"].pk, stranger.pk])
    assert client.get(url).status_code == 404


# --- history and escaping -----------------------------------------------------------------


def test_history_has_a_row_for_every_change(client, users, setup):
    analyst = users["analyst"]
    client.force_login(analyst)
    area = Area.objects.filter(dimension__code="stage").first() or Area.objects.first()
    client.post(edit_url(setup), editor_data(0, challenge="M"))
    assessment = current_assessment(setup)
    client.post(
        edit_url(setup),
        editor_data(
            assessment.version,
            challenge="VH",
            **{f"area_{area.pk}_rating": "", f"area_{area.pk}_evidence": "Seen on the visit."},
        ),
    )
    add_url = reverse("assessments:challenge_add", args=[assessment.pk])
    htmx_post(client, add_url, {"title": "Backlog"})
    htmx_post(client, add_url, {"title": "Staffing"})
    staffing = assessment.key_challenges.get(title="Staffing")
    htmx_post(
        client,
        reverse("assessments:challenge_move", args=[staffing.pk]),
        {"direction": "up", "version": staffing.version},
    )
    backlog = assessment.key_challenges.get(title="Backlog")
    htmx_post(
        client,
        reverse("assessments:challenge_remove", args=[backlog.pk]),
        {"version": backlog.version},
    )
    assessment.refresh_from_db()
    client.post(
        reverse("assessments:assessment_submit", args=[assessment.pk]),
        {"version": assessment.version},
    )

    response = client.get(reverse("assessments:assessment_history", args=[assessment.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    rows = html.count('data-testid="history-row"')
    assert rows >= 10
    # Who, what, field, before and after.
    assert str(analyst) in html
    assert "Degree of challenge" in html
    assert ">M<" in html
    assert ">VH<" in html
    assert f"Area: {area.name}" in html
    assert "Seen on the visit." in html
    assert "Key challenge: Staffing" in html
    assert "Key challenge: Backlog" in html
    assert "Deleted" in html
    assert "Submitted" in html
    # Newest first: the submission comes before the first save.
    assert html.index("Submitted") < html.index("Created")
    # The snapshot reads as measures, not as stored data.
    assert "Decisions within two months: no data" in html


def test_user_text_is_escaped_everywhere(client, users, setup):
    markup = '<script>alert("x")</script><b>bold</b>'
    client.force_login(users["analyst"])
    client.post(edit_url(setup), editor_data(0, narrative=markup, likelihood_rationale=markup))
    assessment = current_assessment(setup)
    response = htmx_post(
        client, reverse("assessments:challenge_add", args=[assessment.pk]), {"title": markup}
    )
    assert markup not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()
    for url in (
        edit_url(setup),
        reverse("assessments:assessment_detail", args=[assessment.pk]),
        reverse("assessments:assessment_history", args=[assessment.pk]),
    ):
        html = client.get(url).content.decode()
        assert markup not in html, url
        assert "<b>bold</b>" not in html, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, url


def test_assessment_page_shows_the_judgements_read_only(client, users, setup, published):
    # Readers see a round's assessments once it is published (drafts are 404 to them).
    assessment = published
    client.force_login(users["minister"])
    response = client.get(reverse("assessments:assessment_detail", args=[assessment.pk]))
    html = response.content.decode()
    assert 'data-testid="assessment-form"' not in html
    assert 'data-testid="challenge-add-form"' not in html
    assert 'data-testid="judgement-likelihood"' in html
    assert "Amber-Green" in html
    assert LAST_ROUND.format(name="December 2002") in html
