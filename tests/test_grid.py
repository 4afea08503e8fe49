"""The assessment grid across rounds: rows in hierarchy order with indents, five judgement
columns per round oldest first, blank cells where a priority was not assessed, the department
and rounds filters, who sees unpublished rounds, the seed's asylum table cell for cell, and a
fixed number of queries at 300 priorities x 10 rounds."""

from datetime import date, timedelta

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import selectors, services
from assessments.forms_rounds import ROUNDS_RANGE, UNKNOWN_DEPARTMENT
from assessments.models import Assessment, AssessmentRound, AssessmentStatus, RoundStatus
from priorities.models import Priority

from .factories import PriorityFactory
from .matrix_assessments import assess, make_round, select

GRID_URL = reverse("assessments:grid")


def _page(client, user, url=GRID_URL):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _body_rows(page):
    return select(page, '[data-testid="assessment-grid"] tbody tr')


def _cells(row) -> list[str]:
    """Each judgement cell's letters, "" where blank."""
    return [
        "" if cell.get("data-blank") is not None else _text(cell)
        for cell in select(row, "td.du-rag-cell")
    ]


def _round_headers(page) -> list[str]:
    return [_text(th) for th in select(page, 'thead th[scope="colgroup"]')]


def _publish(round_, by):
    services.round_publish(round_=round_, by=by)


@pytest.fixture
def tree(world):
    """A Home Office priority with sub-targets four levels deep, and a Health priority."""
    top = PriorityFactory(code="HO 1", title="Asylum process", lead_department=world.own)
    second = PriorityFactory(code="HO 1b", title="Quality", lead_department=world.own, parent=top)
    first = PriorityFactory(code="HO 1a", title="Claims", lead_department=world.own, parent=top)
    deep = PriorityFactory(
        code="HO 1a.i", title="Screening", lead_department=world.own, parent=first
    )
    deeper = PriorityFactory(
        code="HO 1a.i.x", title="Interviews", lead_department=world.own, parent=deep
    )
    health = PriorityFactory(code="DH 1", title="Waiting times", lead_department=world.other)
    return {
        "top": top,
        "first": first,
        "second": second,
        "deep": deep,
        "deeper": deeper,
        "health": health,
    }


@pytest.fixture
def rounds(world, tree):
    """Two published rounds and a newer one in draft. "second" was not assessed in the older
    round; Health only in the draft one."""
    lead = world.users["unit_lead"]
    home = [p for key, p in tree.items() if key != "health"]
    older = make_round("December 2002", date(2002, 12, 31), home)
    for priority in home:
        if priority != tree["second"]:
            assess(older, priority, "H AR R 2 R")
    older.priorities.remove(tree["second"])
    _publish(older, lead)
    newer = make_round("July 2003", date(2003, 7, 31), home)
    for priority in home:
        assess(newer, priority, "M AG AG 3 AG")
    _publish(newer, lead)
    draft = make_round("December 2003", date(2003, 12, 31), tree.values())
    assess(draft, tree["top"], "L G G 4 G", status=AssessmentStatus.DRAFT)
    assess(draft, tree["health"], "VH R - - -", status=AssessmentStatus.DRAFT)
    return older, newer, draft


def test_grid_rows_follow_the_hierarchy_with_indents_and_rounds_oldest_first(
    client, world, tree, rounds
):
    page = _page(client, world.users["analyst"], f"{GRID_URL}?department={world.own.pk}")
    assert _round_headers(page) == ["December 2002", "July 2003", "December 2003 (draft)"]
    rows = _body_rows(page)
    assert [_text(select(r, "th")[0]) for r in rows] == [
        "Asylum process",
        "Claims",
        "Screening",
        "Interviews",
        "Quality",
    ]
    indents = [select(r, "th")[0].get("class").split()[-1] for r in rows]
    assert indents == [
        "govuk-table__header",
        "du-indent-1",
        "du-indent-2",
        "du-indent-3",
        "du-indent-1",
    ]
    assert _cells(rows[0]) == [
        *("H", "AR", "R", "2", "R"),
        *("M", "AG", "AG", "3", "AG"),
        *("L", "G", "G", "4", "G"),
    ]
    # Not assessed in a round: five blank cells, each saying so to screen readers.
    assert _cells(rows[4]) == ["", "", "", "", ""] + ["M", "AG", "AG", "3", "AG"] + [""] * 5
    blank = select(rows[4], "td.du-rag-cell")[0]
    assert _text(blank) == "Not assessed"
    assert select(blank, "span.govuk-visually-hidden")


def test_grid_cells_carry_letters_colours_and_abbreviated_headers(client, world, tree, rounds):
    page = _page(client, world.users["analyst"], f"{GRID_URL}?department={world.own.pk}")
    header_rows = select(page, "thead tr")
    assert len(header_rows) == 2
    assert [th.get("colspan") for th in select(header_rows[0], 'th[scope="colgroup"]')] == ["5"] * 3
    columns = [_text(th) for th in select(header_rows[1], 'th[scope="col"]')]
    assert columns == ["Challenge", "Planning", "Capacity", "Stage", "Likelihood"] * 3
    titles = [a.get("title") for a in select(header_rows[1], "abbr")][:5]
    assert titles[0] == "Degree of challenge"
    assert titles[4] == "Likelihood of delivery"
    assert len(select(page, "colgroup")) == 4

    first = select(_body_rows(page)[0], "td.du-rag-cell")
    assert select(first[0], "span.du-rag--neutral")  # challenge is never drawn as a RAG
    assert select(first[1], "span.du-rag--amber-red")
    assert select(first[2], "span.du-rag--red")
    assert select(first[3], "span.du-rag--neutral")
    assert select(first[4], 'span.du-rag--red abbr[title="Red"]')
    key = _text(select(page, '[data-testid="grid-key"]')[0])
    assert "AR Amber-Red" in key
    assert "VH Very high" in key


def test_readers_see_published_rounds_only_and_their_department_by_default(
    client, world, tree, rounds
):
    page = _page(client, world.users["official"])
    assert _round_headers(page) == ["December 2002", "July 2003"]
    assert "Home Office" in _text(select(page, "caption")[0])
    assert "Waiting times" not in page.text_content()
    assert len(_body_rows(page)) == 5

    # The minister with no department sees the whole portfolio: Health was never published.
    page = _page(client, world.users["minister_all"])
    assert _round_headers(page) == ["December 2002", "July 2003"]
    assert "whole portfolio" in _text(select(page, "caption")[0])
    assert "Waiting times" not in page.text_content()


def test_editors_see_the_whole_portfolio_by_default_with_draft_rounds_marked(
    client, world, tree, rounds
):
    page = _page(client, world.users["unit_lead"])
    rows = _body_rows(page)
    assert [_text(select(r, "th")[0]) for r in rows][0] == "Waiting times"
    assert _cells(rows[0]) == [""] * 10 + ["VH", "R"] + ["Not judged"] * 3
    older, newer, draft = rounds
    services.round_to_moderation(round_=draft, by=world.users["unit_lead"])
    page = _page(client, world.users["unit_lead"])
    assert _round_headers(page)[-1] == "December 2003 (moderation)"


def test_number_of_rounds_is_chosen_and_bad_filters_are_explained(client, world, tree, rounds):
    page = _page(client, world.users["analyst"], f"{GRID_URL}?rounds=1")
    assert _round_headers(page) == ["December 2003 (draft)"]
    assert len(select(_body_rows(page)[0], "td.du-rag-cell")) == 5

    page = _page(client, world.users["analyst"], f"{GRID_URL}?rounds=0")
    summary = _text(select(page, ".govuk-error-summary")[0])
    assert ROUNDS_RANGE.format(limit=20) in summary
    assert select(page, '.govuk-error-summary a[href="#filter-rounds"]')
    assert len(_round_headers(page)) == 3

    # An official cannot choose another department: it is not offered, and reported.
    page = _page(client, world.users["official"], f"{GRID_URL}?department={world.other.pk}")
    assert UNKNOWN_DEPARTMENT in _text(select(page, ".govuk-error-summary")[0])
    assert "Waiting times" not in page.text_content()
    assert not select(page, f'option[value="{world.other.pk}"]')


def test_a_sub_target_led_elsewhere_keeps_its_parent_as_context(client, world, tree, rounds):
    older, newer, draft = rounds
    led_elsewhere = PriorityFactory(
        code="HO 1c", title="Health checks", lead_department=world.other, parent=tree["top"]
    )
    draft.priorities.add(led_elsewhere)
    assess(draft, led_elsewhere, "M AG AG 2 AG", status=AssessmentStatus.DRAFT)
    page = _page(client, world.users["analyst"], f"{GRID_URL}?department={world.other.pk}")
    rows = _body_rows(page)
    assert [_text(select(r, "th")[0]) for r in rows] == [
        "Waiting times",
        "Asylum process (led by Home Office)",
        "Health checks",
    ]
    assert "du-indent-1" in select(rows[2], "th")[0].get("class")
    # Only the round that covers the Department of Health's priorities is shown.
    assert _cells(rows[1]) == [""] * 5


# --- the seed's table -------------------------------------------------------------------------

# The seed's "Regular assessment and follow-up" table: each row's title, then challenge,
# planning, capacity, stage and likelihood in each of its three rounds. The seed's "N" (not on
# the challenge scale) is read as M, as in the next round.
SEED_ROUNDS = [
    ("December 2002", date(2002, 12, 31)),
    ("July 2003", date(2003, 7, 31)),
    ("December 2003", date(2003, 12, 31)),
]
SEED_ROWS = [
    ("Ensure effective asylum process", "H AR R 2 R", "H AG AG 2 AG", "H AG AG 3 G"),
    ("Reducing significantly unfounded asylum claims", "H AR R 2 R", "H G G 3 AG", "H AG G 3 G"),
    (
        "Fast turnaround of manifestly unfounded cases",
        "H AR R 1 AR",
        "H AG AR 2 AR",
        "H AR AG 2 AR",
    ),
    (
        "By 2004 75% of substantive asylum applications are decided within 2 months",
        "L G G 3 G",
        "L G G 3 G",
        "L G G 4 G",
    ),
    (
        "By 2004 a proportion (tba) of substantive asylum applications including final appeal, "
        "are decided within 6 months",
        "H R R 2 R",
        "M AR AR 2 AR",
        "M G G 2 AG",
    ),
    ("Taking high quality decisions", "M AR R 1 R", "L G G 3 G", "L G G 3 G"),
    (
        "Remove a greater proportion of failed asylum seekers",
        "H R R 2 R",
        "M AR AR 2 AR",
        "M G AG 3 G",
    ),
]


def test_home_office_grid_reproduces_the_seed_table(client, world):
    top = PriorityFactory(code="HO 4", title=SEED_ROWS[0][0], lead_department=world.own)
    subs = [
        PriorityFactory(code=f"HO 4.{n}", title=row[0], lead_department=world.own, parent=top)
        for n, row in enumerate(SEED_ROWS[1:], start=1)
    ]
    # Another department's round data and a Home Office draft round stay out of the reader's view.
    PriorityFactory(code="DH 1", title="Waiting times", lead_department=world.other)
    priorities = [top, *subs]
    for index, (name, day) in enumerate(SEED_ROUNDS):
        round_ = make_round(name, day, priorities)
        for priority, row in zip(priorities, SEED_ROWS, strict=True):
            assess(round_, priority, row[1 + index])
        _publish(round_, world.users["unit_lead"])
    make_round("June 2004", date(2004, 6, 30), priorities)

    result = selectors.grid(world.users["official"])
    assert [r.name for r in result.rounds] == [name for name, _ in SEED_ROUNDS]
    assert [(r.priority.title, r.depth) for r in result.rows] == [
        (row[0], 0 if n == 0 else 1) for n, row in enumerate(SEED_ROWS)
    ]
    assert [[" ".join(cell) for cell in r.cells] for r in result.rows] == [
        list(row[1:]) for row in SEED_ROWS
    ]

    page = _page(client, world.users["official"])
    assert _round_headers(page) == [name for name, _ in SEED_ROUNDS]
    rows = _body_rows(page)
    assert [_text(select(r, "th")[0]) for r in rows] == [row[0] for row in SEED_ROWS]
    assert [_cells(r) for r in rows] == [" ".join(row[1:]).split() for row in SEED_ROWS]
    assert sum(len(_cells(r)) for r in rows) == 7 * 15


# --- query counts -----------------------------------------------------------------------------


def _portfolio(world, prefix, priorities, rounds):
    """`priorities` priorities (a third of them sub-targets) in `rounds` published rounds, each
    assessed in every round, written in bulk."""
    created = Priority.objects.bulk_create(
        Priority(code=f"{prefix}{n:04d}", title=f"{prefix} {n}", lead_department=world.own)
        for n in range(priorities)
    )
    for n, priority in enumerate(created):
        if n % 3 == 2:
            priority.parent = created[n - 1]
    Priority.objects.bulk_update(created, ["parent"])
    made = AssessmentRound.objects.bulk_create(
        AssessmentRound(
            name=f"{prefix} round {n}",
            date=date(2000, 1, 1) + timedelta(days=182 * n),
            status=RoundStatus.PUBLISHED,
        )
        for n in range(rounds)
    )
    through = AssessmentRound.priorities.through
    through.objects.bulk_create(
        through(assessmentround_id=r.pk, priority_id=p.pk) for r in made for p in created
    )
    Assessment.objects.bulk_create(
        Assessment(
            round=r,
            priority=p,
            challenge="H",
            planning="AR",
            capacity="R",
            stage="2",
            likelihood="AG",
            status=AssessmentStatus.AGREED,
        )
        for r in made
        for p in created
    )
    return created, made


def test_grid_runs_the_same_queries_at_300_priorities_by_10_rounds_as_at_3_by_2(
    client, world, django_assert_max_num_queries
):
    official = world.users["official"]
    _portfolio(world, "S", 3, 2)
    with CaptureQueriesContext(connection) as small:
        assert len(selectors.grid(official, rounds=10).rows) == 3
    with CaptureQueriesContext(connection) as small_page:
        _page(client, official, f"{GRID_URL}?rounds=10")

    Assessment.objects.all().delete()
    AssessmentRound.objects.all().delete()
    _portfolio(world, "L", 300, 10)
    assert Assessment.objects.count() == 3000
    with django_assert_max_num_queries(len(small)):
        result = selectors.grid(official, rounds=10)
    assert len(result.rows) == 300
    assert all(row.cells == [("H", "AR", "R", "2", "AG")] * 10 for row in result.rows)

    with django_assert_max_num_queries(len(small_page)):
        page = _page(client, official, f"{GRID_URL}?rounds=10")
    assert len(_body_rows(page)) == 300


def test_a_department_grid_shows_the_rounds_that_judged_its_priorities(world, tree, rounds):
    """A newer round covering only other departments does not push the department's rounds
    out of its grid."""
    newer_elsewhere = make_round(
        "June 2004",
        date(2004, 6, 30),
        [PriorityFactory(code="DH 9", lead_department=world.other)],
        by=world.users["unit_lead"],
    )
    result = selectors.grid(world.users["analyst"], department=world.own, rounds=3)
    assert newer_elsewhere not in result.rounds
    assert [r.name for r in result.rounds] == [r.name for r in rounds]
