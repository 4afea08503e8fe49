"""The round pages: the list, creating a round, the overview with its counts and log, moving to
moderation, publishing (refused while incomplete) and reopening with a reason; the movement
report; the framework pages."""

from datetime import date

import lxml.html
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services, views
from assessments.forms_rounds import (
    FIELD_REQUIRED,
    ROUND_NAME_REQUIRED,
    ROUND_NAME_TAKEN,
    ROUND_PRIORITIES_REQUIRED,
    SAME_ROUND,
    UNKNOWN_ROUND,
)
from assessments.models import (
    Area,
    Assessment,
    AssessmentRound,
    AssessmentStatus,
    RatingOption,
    RoundEvent,
    RoundStatus,
)
from assessments.selectors import round_overview
from assessments.views_framework import CODES_STAY
from deliveryunit.editing import CONFLICT_MESSAGE, VERSION_MISSING
from deliveryunit.models import Role

from .factories import PriorityFactory, UserFactory
from .matrix_assessments import assess, make_round, select

LIST_URL = reverse("assessments:round_list")
CREATE_URL = reverse("assessments:round_create")


def _detail(round_):
    return reverse("assessments:round_detail", args=[round_.pk])


def _page(client, user, url, **kwargs):
    client.force_login(user)
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def _text(element) -> str:
    return " ".join(element.text_content().split())


@pytest.fixture
def portfolio(world):
    """Two Home Office priorities (one a sub-target of the other) and one of Health."""
    parent = PriorityFactory(code="HO 1", title="Asylum decisions", lead_department=world.own)
    child = PriorityFactory(
        code="HO 1a", title="Fast decisions", lead_department=world.own, parent=parent
    )
    health = PriorityFactory(code="DH 1", title="Waiting times", lead_department=world.other)
    return {"parent": parent, "child": child, "health": health}


# --- the list and creating a round ------------------------------------------------------------


def test_round_list_shows_rounds_newest_first_with_agreed_and_in_scope_counts(
    client, world, portfolio
):
    old = make_round("December 2002", date(2002, 12, 31), portfolio.values())
    for priority in portfolio.values():
        assess(old, priority)
    services.round_publish(round_=old, by=world.users["unit_lead"])
    new = make_round("July 2003", date(2003, 7, 31), portfolio.values())
    assess(new, portfolio["parent"])
    assess(new, portfolio["child"], status=AssessmentStatus.SUBMITTED)

    page = _page(client, world.users["analyst"], LIST_URL)
    rows = select(page, '[data-testid="round-list"] tbody tr')
    assert [_text(select(r, "th")[0]) for r in rows] == ["July 2003", "December 2002"]
    assert [
        (
            _text(select(r, '[data-testid="agreed"]')[0]),
            _text(select(r, '[data-testid="in-scope"]')[0]),
        )
        for r in rows
    ] == [("1", "3"), ("3", "3")]
    assert "Draft" in _text(rows[0])
    assert "Published" in _text(rows[1])
    assert select(page, f'a[href="{CREATE_URL}"]')

    # The official sees published rounds only, counted over their department's priorities.
    page = _page(client, world.users["official"], LIST_URL)
    rows = select(page, '[data-testid="round-list"] tbody tr')
    assert [_text(select(r, "th")[0]) for r in rows] == ["December 2002"]
    assert _text(select(rows[0], '[data-testid="in-scope"]')[0]) == "2"
    assert not select(page, f'a[href="{CREATE_URL}"]')


def test_analyst_creates_a_round_covering_every_active_priority_by_default(
    client, world, portfolio
):
    inactive = PriorityFactory(code="HO 9", title="Old", lead_department=world.own, active=False)
    page = _page(client, world.users["analyst"], CREATE_URL)
    checked = {int(box.get("value")) for box in select(page, 'input[name="priorities"][checked]')}
    assert checked == {p.pk for p in portfolio.values()}
    assert inactive.pk in {int(b.get("value")) for b in select(page, 'input[name="priorities"]')}

    response = client.post(
        CREATE_URL,
        {
            "name": "December 2003",
            "date": "2003-12-31",
            "priorities": [portfolio["parent"].pk, inactive.pk],
        },
    )
    round_ = AssessmentRound.objects.get(name="December 2003")
    assert response.status_code == 302
    assert response["Location"] == _detail(round_)
    assert round_.status == RoundStatus.DRAFT
    assert round_.date == date(2003, 12, 31)
    assert set(round_.priorities.all()) == {portfolio["parent"], inactive}
    event = round_.events.get()
    assert (event.kind, event.by) == (RoundEvent.Kind.CREATED, world.users["analyst"])


@pytest.mark.parametrize("role", ["minister", "minister_all", "official"])
def test_only_editors_create_rounds(client, world, portfolio, role):
    client.force_login(world.users[role])
    assert client.get(CREATE_URL).status_code == 403
    response = client.post(
        CREATE_URL, {"name": "X", "date": "2003-12-31", "priorities": [portfolio["parent"].pk]}
    )
    assert response.status_code == 403
    assert not AssessmentRound.objects.exists()


def test_round_form_explains_what_is_wrong_and_creates_nothing(client, world, portfolio):
    make_round("December 2002", date(2002, 12, 31), [portfolio["parent"]])
    client.force_login(world.users["analyst"])
    response = client.post(CREATE_URL, {"name": " ", "date": "2003-12-31"})
    assert response.status_code == 422
    html = response.content.decode()
    assert ROUND_NAME_REQUIRED in html
    assert ROUND_PRIORITIES_REQUIRED in html
    assert 'href="#id_name"' in html
    assert 'href="#id_priorities_0"' in html

    response = client.post(
        CREATE_URL,
        {"name": "december 2002", "date": "2003-12-31", "priorities": [portfolio["parent"].pk]},
    )
    assert response.status_code == 422
    assert ROUND_NAME_TAKEN in response.content.decode()
    assert AssessmentRound.objects.count() == 1


# --- the overview -----------------------------------------------------------------------------


def test_overview_shows_each_priority_with_judgements_status_and_counts(client, world, portfolio):
    other_health = PriorityFactory(code="DH 2", title="Cancer care", lead_department=world.other)
    round_ = make_round("December 2003", date(2003, 12, 31), [*portfolio.values(), other_health])
    assess(round_, portfolio["parent"], "H AG AG 3 G", author=world.users["analyst"])
    assess(round_, portfolio["child"], "M AR - - -", status=AssessmentStatus.DRAFT)
    assess(round_, portfolio["health"], "L G G 4 G", status=AssessmentStatus.SUBMITTED)

    page = _page(client, world.users["analyst"], _detail(round_))
    assert _text(select(page, '[data-testid="counts"]')[0]) == (
        "4 priorities in the round: 1 agreed, 1 submitted, 1 in draft and 1 not started."
    )
    rows = select(page, '[data-testid="round-overview"] tbody tr')
    assert [_text(select(r, "th")[0]) for r in rows] == [
        "DH 1: Waiting times",
        "DH 2: Cancer care",
        "HO 1: Asylum decisions",
        "HO 1a: Fast decisions",
    ]
    assert "du-indent-1" in select(rows[3], "th")[0].get("class")
    statuses = [_text(select(r, '[data-testid="status"]')[0]) for r in rows]
    assert statuses == ["Submitted", "Not started", "Agreed", "Draft"]

    parent_cells = select(rows[2], "td.du-rag-cell")
    assert [_text(c) for c in parent_cells] == ["H", "AG", "AG", "3", "G"]
    assert select(parent_cells[1], "span.du-rag--amber-green")
    assert select(parent_cells[4], "span.du-rag--green")
    assert select(parent_cells[0], "span.du-rag--neutral")
    assert select(parent_cells[1], 'abbr[title="Amber-Green"]')
    assert str(world.users["analyst"]) in _text(rows[2])
    # Judgements not yet made are blank, said so to screen readers.
    assert [_text(c) for c in select(rows[3], "td.du-rag-cell")][2:] == ["Not judged"] * 3

    edit = reverse("assessments:assessment_edit", args=[round_.pk, other_health.pk])
    assert select(page, f'a[href="{edit}"]')
    assert "Start" in _text(rows[1])
    assert not select(page, '[data-testid="read-only"]')


def test_overview_is_scoped_and_unpublished_rounds_are_hidden_from_readers(
    client, world, portfolio
):
    round_ = make_round("December 2003", date(2003, 12, 31), portfolio.values())
    client.force_login(world.users["official"])
    assert client.get(_detail(round_)).status_code == 404
    assert client.get(reverse("assessments:round_detail", args=[999999])).status_code == 404

    agreed = {key: assess(round_, p) for key, p in portfolio.items()}
    services.round_publish(round_=round_, by=world.users["unit_lead"])
    page = _page(client, world.users["official"], _detail(round_))
    rows = select(page, '[data-testid="round-overview"] tbody tr')
    assert [_text(select(r, "th")[0]) for r in rows] == [
        "HO 1: Asylum decisions",
        "HO 1a: Fast decisions",
    ]
    assert "Waiting times" not in page.text_content()
    assert _text(select(page, '[data-testid="counts"]')[0]).startswith(
        "2 priorities in the round that you can see: 2 agreed"
    )
    view = reverse("assessments:assessment_detail", args=[agreed["parent"].pk])
    assert select(page, f'a[href="{view}"]')
    assert not select(page, 'form[action*="moderation"]')
    assert "read-only" in _text(select(page, '[data-testid="read-only"]')[0])


def test_overview_shows_only_the_unit_lead_the_buttons_its_status_allows(client, world, portfolio):
    round_ = make_round("December 2003", date(2003, 12, 31), portfolio.values())
    moderation = reverse("assessments:round_moderation", args=[round_.pk])
    publish = reverse("assessments:round_publish", args=[round_.pk])
    reopen = reverse("assessments:round_reopen", args=[round_.pk])

    page = _page(client, world.users["analyst"], _detail(round_))
    assert not select(page, f'[action="{moderation}"], [href="{publish}"], [href="{reopen}"]')

    page = _page(client, world.users["unit_lead"], _detail(round_))
    assert select(page, f'form[action="{moderation}"]')
    assert select(page, f'a[href="{publish}"]')
    assert not select(page, f'a[href="{reopen}"]')

    for priority in portfolio.values():
        assess(round_, priority)
    services.round_publish(round_=round_, by=world.users["unit_lead"])
    page = _page(client, world.users["unit_lead"], _detail(round_))
    assert select(page, f'a[href="{reopen}"]')
    assert not select(page, f'form[action="{moderation}"], a[href="{publish}"]')


# --- moderation, publishing and reopening -----------------------------------------------------


def test_unit_lead_moves_a_round_to_moderation_and_the_log_records_it(client, world, portfolio):
    round_ = make_round("December 2003", date(2003, 12, 31), portfolio.values())
    client.force_login(world.users["unit_lead"])
    response = client.post(
        reverse("assessments:round_moderation", args=[round_.pk]), {"version": round_.version}
    )
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.status == RoundStatus.MODERATION
    page = _page(client, world.users["unit_lead"], _detail(round_))
    log = [r.get("data-event") for r in select(page, '[data-testid="round-log"] tbody tr')]
    assert log == ["created", "moderation"]


@pytest.mark.parametrize("role", ["analyst", "minister", "minister_all", "official"])
def test_only_the_unit_lead_moderates_publishes_and_reopens(client, world, portfolio, role):
    draft = make_round("December 2003", date(2003, 12, 31), portfolio.values())
    published = make_round("July 2003", date(2003, 7, 31), portfolio.values())
    for priority in portfolio.values():
        assess(published, priority)
        assess(draft, priority)
    services.round_publish(round_=published, by=world.users["unit_lead"])
    client.force_login(world.users[role])
    responses = [
        client.post(reverse("assessments:round_moderation", args=[draft.pk])),
        client.get(reverse("assessments:round_publish", args=[draft.pk])),
        client.post(reverse("assessments:round_publish", args=[draft.pk])),
        client.get(reverse("assessments:round_reopen", args=[published.pk])),
        client.post(reverse("assessments:round_reopen", args=[published.pk]), {"reason": "No"}),
    ]
    # Readers may not see the draft round at all: its pages are 404 to them, not 403.
    hidden = 403 if role == "analyst" else 404
    assert [r.status_code for r in responses] == [hidden] * 3 + [403] * 2
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.status, published.status) == (RoundStatus.DRAFT, RoundStatus.PUBLISHED)
    assert not RoundEvent.objects.exclude(kind__in=["created", "published"]).exists()


def test_publishing_is_refused_while_assessments_are_missing_and_nothing_changes(
    client, world, portfolio
):
    round_ = make_round("December 2003", date(2003, 12, 31), portfolio.values())
    assess(round_, portfolio["parent"])
    assess(round_, portfolio["child"], status=AssessmentStatus.SUBMITTED)
    url = reverse("assessments:round_publish", args=[round_.pk])

    page = _page(client, world.users["unit_lead"], url)
    assert [_text(r) for r in select(page, '[data-testid="missing"] tbody tr')] == [
        "DH 1: Waiting times Not started",
        "HO 1a: Fast decisions Submitted, not agreed",
    ]
    assert not select(page, '[data-testid="publish-form"]')

    response = client.post(url, {"version": round_.version})
    assert response.status_code == 409
    page = lxml.html.fromstring(response.content.decode())
    assert services.PUBLISH_INCOMPLETE in _text(select(page, ".govuk-error-summary")[0])
    assert len(select(page, '[data-testid="missing"] tbody tr')) == 2
    round_.refresh_from_db()
    assert round_.status == RoundStatus.DRAFT
    assert round_.published_at is None
    assert not round_.events.filter(kind=RoundEvent.Kind.PUBLISHED).exists()


def test_publishing_a_complete_round_makes_it_read_only(client, world, portfolio):
    round_ = make_round("December 2003", date(2003, 12, 31), portfolio.values())
    for priority in portfolio.values():
        assess(round_, priority)
    url = reverse("assessments:round_publish", args=[round_.pk])
    page = _page(client, world.users["unit_lead"], url)
    assert select(page, '[data-testid="publish-form"]')

    response = client.post(url, {"version": round_.version})
    assert response.status_code == 302
    assert response["Location"] == _detail(round_)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED
    assert round_.published_by == world.users["unit_lead"]
    page = _page(client, world.users["analyst"], _detail(round_))
    assert "read-only" in _text(select(page, '[data-testid="read-only"]')[0])
    # No edit links in a published round: only views.
    edit = reverse("assessments:assessment_edit", args=[round_.pk, portfolio["parent"].pk])
    assert not select(page, f'a[href="{edit}"]')


def test_reopening_needs_a_reason_and_changes_nothing_without_one(client, world, portfolio):
    round_ = make_round("December 2003", date(2003, 12, 31), portfolio.values())
    for priority in portfolio.values():
        assess(round_, priority)
    services.round_publish(round_=round_, by=world.users["unit_lead"])
    url = reverse("assessments:round_reopen", args=[round_.pk])

    page = _page(client, world.users["unit_lead"], url)
    assert select(page, 'textarea[name="reason"]')
    assert select(page, 'label[for="id_reason"]')

    round_.refresh_from_db()
    response = client.post(url, {"reason": "   ", "version": round_.version})
    assert response.status_code == 422
    html = response.content.decode()
    assert services.REOPEN_REASON_REQUIRED in html
    assert 'href="#id_reason"' in html
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED
    assert not round_.events.filter(kind=RoundEvent.Kind.REOPENED).exists()


def test_reopening_is_recorded_with_its_reason_and_shown_in_the_log(client, world, portfolio):
    round_ = make_round("December 2003", date(2003, 12, 31), portfolio.values())
    for priority in portfolio.values():
        assess(round_, priority)
    services.round_publish(round_=round_, by=world.users["unit_lead"])
    client.force_login(world.users["unit_lead"])
    reason = "The <b>asylum</b> figures were revised."
    round_.refresh_from_db()
    response = client.post(
        reverse("assessments:round_reopen", args=[round_.pk]),
        {"reason": reason, "version": round_.version},
    )
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.status == RoundStatus.MODERATION
    event = round_.events.get(kind=RoundEvent.Kind.REOPENED)
    assert (event.reason, event.by) == (reason, world.users["unit_lead"])

    response = client.get(_detail(round_))
    html = response.content.decode()
    assert "The &lt;b&gt;asylum&lt;/b&gt; figures were revised." in html
    page = lxml.html.fromstring(html)
    rows = select(page, '[data-testid="round-log"] tbody tr')
    assert [r.get("data-event") for r in rows] == ["created", "published", "reopened"]
    assert str(world.users["unit_lead"]) in _text(rows[2])


def test_reopening_a_round_that_is_not_published_is_refused(client, world, portfolio):
    round_ = make_round("December 2003", date(2003, 12, 31), portfolio.values())
    client.force_login(world.users["unit_lead"])
    response = client.post(
        reverse("assessments:round_reopen", args=[round_.pk]), {"reason": "Why not"}, follow=True
    )
    assert services.NOT_PUBLISHED in response.content.decode()
    assert not round_.events.filter(kind=RoundEvent.Kind.REOPENED).exists()


def test_a_publish_decided_before_someone_reopened_the_round_is_refused(client, world, portfolio):
    """The lost update: one unit lead opens the publish page; meanwhile another publishes and
    then reopens the round to fix a figure. Publishing from the first page must not undo the
    reopening."""
    round_ = make_round("December 2003", date(2003, 12, 31), portfolio.values())
    for priority in portfolio.values():
        assess(round_, priority)
    client.force_login(world.users["unit_lead"])
    url = reverse("assessments:round_publish", args=[round_.pk])
    page = lxml.html.fromstring(client.get(url).content.decode())
    seen = select(page, '[data-testid="publish-form"] input[name="version"]')[0].get("value")

    other = UserFactory(username="other_lead", role=Role.UNIT_LEAD)
    services.round_publish(round_=round_, by=other)
    services.round_reopen(round_=round_, by=other, reason="A figure was wrong.")
    round_.refresh_from_db()
    before = round_.version

    response = client.post(url, {"version": seen}, follow=True)

    assert views.ROUND_CHANGED.format(name=round_.name, status="moderation") in (
        response.content.decode()
    )
    round_.refresh_from_db()
    assert (round_.status, round_.version) == (RoundStatus.MODERATION, before)
    assert list(round_.events.values_list("kind", flat=True).order_by("pk")) == [
        "created",
        "published",
        "reopened",
    ]


@pytest.mark.parametrize("name", ["assessments:round_moderation", "assessments:round_publish"])
def test_a_round_move_without_the_version_is_refused(client, world, portfolio, name):
    round_ = make_round("December 2003", date(2003, 12, 31), portfolio.values())
    for priority in portfolio.values():
        assess(round_, priority)
    client.force_login(world.users["unit_lead"])

    response = client.post(reverse(name, args=[round_.pk]), follow=True)

    assert VERSION_MISSING in response.content.decode()
    round_.refresh_from_db()
    assert (round_.status, round_.version) == (RoundStatus.DRAFT, 1)


def test_round_overview_runs_the_same_queries_at_300_priorities_as_at_3(
    world, django_assert_max_num_queries, client
):
    def build(name, count):
        from priorities.models import Priority

        priorities = Priority.objects.bulk_create(
            Priority(code=f"{name}{n:04d}", title=f"P {n}", lead_department=world.own)
            for n in range(count)
        )
        round_ = make_round(name, date(2003, 12, 31), priorities)
        Assessment.objects.bulk_create(
            Assessment(
                round=round_,
                priority=p,
                challenge="H",
                planning="AR",
                capacity="R",
                stage="2",
                likelihood="R",
                author=world.users["analyst"],
                status=AssessmentStatus.SUBMITTED,
            )
            for p in priorities[: count - 1]
        )
        return round_

    small, large = build("S", 3), build("L", 300)
    analyst = world.users["analyst"]
    client.force_login(analyst)
    with CaptureQueriesContext(connection) as queries:
        round_overview(analyst, small)
    with django_assert_max_num_queries(len(queries)):
        overview = round_overview(analyst, large)
    assert len(overview.rows) == 300
    assert overview.counts["not_started"] == 1

    with CaptureQueriesContext(connection) as page_queries:
        assert client.get(_detail(small)).status_code == 200
    with django_assert_max_num_queries(len(page_queries)):
        response = client.get(_detail(large))
    assert response.content.decode().count('data-testid="status"') == 300


# --- the movement report ----------------------------------------------------------------------


@pytest.fixture
def two_rounds(world, portfolio):
    """Two published rounds: the parent improves, the child worsens, Health stays the same, and
    a priority judged only in the later round cannot be compared."""
    newcomer = PriorityFactory(code="HO 2", title="Removals", lead_department=world.own)
    earlier = make_round("July 2003", date(2003, 7, 31), [*portfolio.values(), newcomer])
    later = make_round("December 2003", date(2003, 12, 31), [*portfolio.values(), newcomer])
    assess(earlier, portfolio["parent"], "H AR R 2 R")
    assess(earlier, portfolio["child"], "H G G 3 G")
    assess(earlier, portfolio["health"], "L G G 3 AG")
    assess(earlier, newcomer, "H AR R 2 R")
    services.round_publish(round_=earlier, by=world.users["unit_lead"])
    assess(later, portfolio["parent"], "H AG AG 3 AG", likelihood_rationale="Plans now <in> place.")
    assess(later, portfolio["child"], "H AR AR 2 AR", likelihood_rationale="Backlog grew again.")
    assess(later, portfolio["health"], "L G G 4 AG", likelihood_rationale="Steady.")
    assess(later, newcomer, "H AR R 2 -")
    services.round_publish(round_=later, by=world.users["unit_lead"])
    return earlier, later


def test_movement_lists_likelihood_changes_with_direction_and_rationale(client, world, two_rounds):
    page = _page(client, world.users["analyst"], reverse("assessments:movement"))
    rows = select(page, '[data-testid="movement"] tbody tr')
    assert [(r.get("data-direction"), _text(select(r, "th")[0])) for r in rows] == [
        ("improved", "HO 1: Asylum decisions"),
        ("worsened", "HO 1a: Fast decisions"),
    ]
    improved, worsened = ([_text(c) for c in select(r, "td")] for r in rows)
    assert improved == ["↑ Improved", "R", "AG", "Plans now <in> place."]
    assert worsened == ["↓ Worsened", "G", "AR", "Backlog grew again."]
    assert select(rows[0], 'span[aria-hidden="true"]')[0].text == "↑"
    assert select(select(rows[0], "td")[1], "span.du-rag--red")
    assert select(select(rows[0], "td")[2], "span.du-rag--amber-green")
    assert _text(select(page, '[data-testid="movement-summary"]')[0]) == (
        "1 improved, 1 worsened and 1 unchanged. 1 was not judged in both rounds."
    )


def test_movement_is_scoped_to_the_readers_department(client, world, two_rounds):
    world.users["official"].department = world.other
    world.users["official"].save()
    page = _page(client, world.users["official"], reverse("assessments:movement"))
    assert not select(page, '[data-testid="movement"]')
    assert _text(select(page, '[data-testid="movement-summary"]')[0]) == (
        "0 improved, 0 worsened and 1 unchanged."
    )


def test_movement_between_chosen_rounds_and_bad_choices(client, world, two_rounds):
    earlier, later = two_rounds
    url = reverse("assessments:movement")
    # Chosen the other way round, the earlier round is still the "from".
    page = _page(client, world.users["minister"], f"{url}?from={later.pk}&to={earlier.pk}")
    assert "From July 2003 to December 2003" in page.text_content()

    client.force_login(world.users["minister"])
    html = client.get(f"{url}?from={later.pk}&to={later.pk}").content.decode()
    assert SAME_ROUND in html
    assert 'href="#to"' in html
    html = client.get(f"{url}?from=abc&to={later.pk}").content.decode()
    assert UNKNOWN_ROUND in html
    assert 'href="#from"' in html


def test_movement_without_two_rounds_says_so(client, world):
    page = _page(client, world.users["minister"], reverse("assessments:movement"))
    assert select(page, '[data-testid="no-report"]')


# --- the framework ----------------------------------------------------------------------------


def test_framework_page_shows_scales_and_areas_with_edit_links_for_the_unit_lead(client, world):
    page = _page(client, world.users["official"], reverse("assessments:framework"))
    likelihood = [_text(r) for r in select(page, '[data-testid="scale-likelihood"] tbody tr')]
    assert [row.split()[0] for row in likelihood] == ["R", "AR", "AG", "G"]
    assert select(page, '[data-testid="scale-likelihood"] span.du-rag--amber-red')
    planning_areas = select(page, '[data-testid="areas-planning"] tbody tr')
    assert len(planning_areas) == Area.objects.filter(dimension__code="planning").count() > 0
    assert not select(page, 'a[href*="/edit/"]')

    page = _page(client, world.users["unit_lead"], reverse("assessments:framework"))
    area = Area.objects.order_by("pk").first()
    option = RatingOption.objects.get(dimension__code="likelihood", code="AR")
    assert select(page, f'a[href="{reverse("assessments:framework_area_edit", args=[area.pk])}"]')
    assert select(
        page, f'a[href="{reverse("assessments:framework_option_edit", args=[option.pk])}"]'
    )


def test_unit_lead_rewords_an_area_with_history(client, world):
    area = Area.objects.order_by("pk").first()
    url = reverse("assessments:framework_area_edit", args=[area.pk])
    client.force_login(world.users["unit_lead"])
    data = {
        "group": area.group,
        "name": "Track record",
        "question": "Has performance <moved> as planned?",
        "worst_case": area.worst_case,
        "best_case": area.best_case,
        "version": area.version,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    area.refresh_from_db()
    assert (area.name, area.question) == ("Track record", "Has performance <moved> as planned?")
    latest = area.history.order_by("-history_date").first()
    assert latest.history_user == world.users["unit_lead"]
    assert area.history.count() == 2

    page = _page(client, world.users["unit_lead"], url)
    changes = [_text(r) for r in select(page, '[data-testid="history"] tbody tr')]
    assert str(world.users["unit_lead"]) in changes[0]
    assert "Name, question" in changes[0]
    html = client.get(reverse("assessments:framework")).content.decode()
    assert "Has performance &lt;moved&gt; as planned?" in html


def test_area_edit_explains_missing_text_and_saves_nothing(client, world):
    area = Area.objects.order_by("pk").first()
    before = (area.name, area.question)
    client.force_login(world.users["unit_lead"])
    response = client.post(
        reverse("assessments:framework_area_edit", args=[area.pk]),
        {
            "group": "",
            "name": "",
            "question": "",
            "worst_case": "W",
            "best_case": "B",
            "version": area.version,
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert FIELD_REQUIRED.format(name="name") in html
    assert FIELD_REQUIRED.format(name="guiding question") in html
    assert 'href="#id_name"' in html
    area.refresh_from_db()
    assert (area.name, area.question) == before
    assert not area.history.exists()


def test_unit_lead_rewords_a_rating_option_but_never_its_code(client, world):
    option = RatingOption.objects.get(dimension__code="likelihood", code="AR")
    url = reverse("assessments:framework_option_edit", args=[option.pk])
    page = _page(client, world.users["unit_lead"], url)
    assert CODES_STAY.format(code="AR") in _text(page)
    assert not select(page, 'input[name="code"]')

    response = client.post(
        url,
        {
            "label": "Amber/Red",
            "meaning": "Needs attention.",
            "code": "X",
            "version": option.version,
        },
    )
    assert response.status_code == 302
    option.refresh_from_db()
    assert (option.code, option.label, option.meaning) == ("AR", "Amber/Red", "Needs attention.")
    assert option.history.order_by("-history_date").first().history_user == world.users["unit_lead"]

    option.refresh_from_db()
    response = client.post(url, {"label": "", "meaning": "", "version": option.version})
    assert response.status_code == 422
    assert FIELD_REQUIRED.format(name="label") in response.content.decode()


def _area_data(area, **changes):
    fields = ("group", "name", "question", "worst_case", "best_case", "version")
    return {**{name: getattr(area, name) for name in fields}, **changes}


def test_second_rewording_of_an_area_from_the_same_version_is_refused(world):
    area = Area.objects.order_by("pk").first()
    url = reverse("assessments:framework_area_edit", args=[area.pk])
    first, second = Client(), Client()
    first.force_login(world.users["unit_lead"])
    second.force_login(UserFactory(username="second_lead", role=Role.UNIT_LEAD))
    opened = _area_data(area)
    assert first.post(url, {**opened, "name": "Track record"}).status_code == 302
    area.refresh_from_db()
    history = area.history.count()

    response = second.post(url, {**opened, "question": "Has it moved as planned?"})

    assert response.status_code == 409
    html = response.content.decode()
    assert CONFLICT_MESSAGE in html
    page = lxml.html.fromstring(html)
    conflict = _text(select(page, '[data-testid="conflict"]')[0])
    assert "Track record" in conflict
    assert "Has it moved as planned?" in conflict
    # Nothing overwritten: the first rewording stands, and no history was added.
    stored = Area.objects.get(pk=area.pk)
    assert (stored.name, stored.question) == ("Track record", area.question)
    assert stored.history.count() == history
    # What was typed is kept, at the version now saved, so saving again is deliberate.
    form = select(page, '[data-testid="edit-form"]')[0]
    assert select(form, 'textarea[name="question"]')[0].text.strip() == "Has it moved as planned?"
    assert select(form, 'input[name="version"]')[0].get("value") == str(stored.version)
    again = second.post(url, {**opened, "question": "Has it moved?", "version": stored.version})
    assert again.status_code == 302
    assert Area.objects.get(pk=area.pk).question == "Has it moved?"


def test_second_rewording_of_a_rating_option_from_the_same_version_is_refused(client, world):
    option = RatingOption.objects.get(dimension__code="likelihood", code="AR")
    url = reverse("assessments:framework_option_edit", args=[option.pk])
    client.force_login(world.users["unit_lead"])
    opened = {"label": option.label, "meaning": option.meaning, "version": option.version}
    assert client.post(url, {**opened, "label": "Amber/Red"}).status_code == 302

    response = client.post(url, {**opened, "meaning": "Needs attention now."})

    assert response.status_code == 409
    assert CONFLICT_MESSAGE in response.content.decode()
    option.refresh_from_db()
    assert (option.label, option.meaning) == ("Amber/Red", opened["meaning"])


@pytest.mark.parametrize(
    ("name", "model", "data"),
    [
        (
            "framework_area_edit",
            Area,
            {"name": "Renamed", "question": "Q?", "worst_case": "W.", "best_case": "B."},
        ),
        ("framework_option_edit", RatingOption, {"label": "Renamed", "meaning": "M."}),
    ],
)
def test_a_framework_rewording_without_a_version_is_refused(client, world, name, model, data):
    row = model.objects.order_by("pk").first()
    before = model.objects.filter(pk=row.pk).values().get()
    client.force_login(world.users["unit_lead"])

    response = client.post(reverse(f"assessments:{name}", args=[row.pk]), data)

    assert response.status_code == 422
    assert VERSION_MISSING in response.content.decode()
    assert model.objects.filter(pk=row.pk).values().get() == before
    assert not row.history.exists()


@pytest.mark.parametrize("role", ["analyst", "minister", "official"])
def test_only_the_unit_lead_edits_the_framework(client, world, role):
    area = Area.objects.order_by("pk").first()
    option = RatingOption.objects.order_by("pk").first()
    client.force_login(world.users[role])
    area_url = reverse("assessments:framework_area_edit", args=[area.pk])
    option_url = reverse("assessments:framework_option_edit", args=[option.pk])
    assert client.get(area_url).status_code == 403
    assert client.post(option_url, {"label": "Hacked", "meaning": ""}).status_code == 403
    option.refresh_from_db()
    assert option.label != "Hacked"
    assert not option.history.exists()
