"""Priority reviews' business rules, through reviews/services.py: stages one at a time and
recorded, the issue tree (any depth, never under itself, only leaves deleted, settled with
evidence), and recommendations accepted into the one tracker."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from deliveryunit.editing import ConflictError
from reviews import services
from reviews.models import IssueNode, IssueStatus, PriorityReview, Stage, StageChange
from reviews.selectors import LATE_WARNING, LENGTH_WARNING, issue_rows, warnings_for
from stocktakes.models import Action, ActionSource, ActionStatus

from .factories import MeasureFactory, PriorityFactory


@pytest.fixture
def priority(world):
    return PriorityFactory(code="PSA 7", title="Asylum", lead_department=world.own)


@pytest.fixture
def review(priority, analyst):
    return services.review_create(
        priority=priority,
        by=analyst,
        title="Asylum intake",
        commissioner="Prime Minister",
        start=date(2003, 3, 3),
        report_due=date(2003, 5, 12),
    )


def _tree(review) -> list[tuple[str, str]]:
    nodes = list(IssueNode.objects.filter(review=review))
    return [(row.number, row.node.question) for row in issue_rows(nodes)]


# --- the review and its stages ------------------------------------------------------------------


def test_a_new_review_starts_at_scoping_and_records_it(review, analyst):
    assert review.stage == Stage.SCOPING
    move = StageChange.objects.get(review=review)
    assert (move.stage_from, move.stage_to, move.by) == ("", Stage.SCOPING, analyst)
    assert review.created_by == analyst


def test_report_due_before_the_start_is_refused(priority, analyst):
    with pytest.raises(ValidationError) as refused:
        services.review_create(
            priority=priority,
            by=analyst,
            title="Backwards",
            commissioner="PM",
            start=date(2003, 5, 1),
            report_due=date(2003, 4, 1),
        )
    assert refused.value.message_dict == {"report_due": [services.DUE_BEFORE_START]}
    assert not PriorityReview.objects.exists()


def test_stages_move_one_at_a_time_each_move_recorded_with_who(review, analyst, world):
    lead = world.users["unit_lead"]
    review = services.review_move_stage(
        review=review, by=analyst, expected_version=1, stage=Stage.FIELDWORK
    )
    review = services.review_move_stage(
        review=review, by=lead, expected_version=2, stage=Stage.SCOPING
    )
    assert review.stage == Stage.SCOPING
    moves = list(StageChange.objects.filter(review=review).order_by("at", "pk"))
    assert [(m.stage_from, m.stage_to, m.by) for m in moves] == [
        ("", "scoping", analyst),
        ("scoping", "fieldwork", analyst),
        ("fieldwork", "scoping", lead),
    ]

    with pytest.raises(ValidationError) as refused:
        services.review_move_stage(
            review=review, by=analyst, expected_version=3, stage=Stage.REPORTING
        )
    assert refused.value.messages == [
        services.STAGE_NOT_ADJACENT.format(current="scoping", options="fieldwork")
    ]


def test_a_stage_move_from_an_old_version_is_a_conflict(review, analyst):
    services.review_update(review=review, by=analyst, expected_version=1, title="Renamed")
    with pytest.raises(ConflictError):
        services.review_move_stage(
            review=review, by=analyst, expected_version=1, stage=Stage.FIELDWORK
        )
    review.refresh_from_db()
    assert review.stage == Stage.SCOPING


def test_warnings_for_length_outside_six_to_twelve_weeks_and_lateness(review):
    assert warnings_for(review, date(2003, 4, 1)) == []  # ten weeks, not yet due
    review.report_due = date(2003, 3, 24)  # three weeks
    assert warnings_for(review, date(2003, 3, 10)) == [LENGTH_WARNING.format(weeks=3)]
    review.report_due = date(2003, 7, 7)  # eighteen weeks
    assert warnings_for(review, date(2003, 7, 8)) == [
        LENGTH_WARNING.format(weeks=18),
        LATE_WARNING.format(due="7 July 2003"),
    ]
    review.stage = Stage.COMPLETE
    assert warnings_for(review, date(2003, 7, 8)) == [LENGTH_WARNING.format(weeks=18)]


# --- the issue tree -----------------------------------------------------------------------------


def test_questions_nest_to_any_depth_and_are_numbered_in_order(review, analyst):
    top = services.issue_add(review=review, by=analyst, question="Will intake halve?")
    second = services.issue_add(review=review, by=analyst, question="Are removals enough?")
    child = services.issue_add(review=review, by=analyst, parent=top, question="Screening?")
    services.issue_add(review=review, by=analyst, parent=child, question="Fast enough?")
    services.issue_add(review=review, by=analyst, parent=top, question="Appeals?")

    assert _tree(review) == [
        ("1", "Will intake halve?"),
        ("1.1", "Screening?"),
        ("1.1.1", "Fast enough?"),
        ("1.2", "Appeals?"),
        ("2", "Are removals enough?"),
    ]
    assert second.position == 2


def test_a_question_cannot_move_under_itself_or_its_descendants(review, analyst):
    top = services.issue_add(review=review, by=analyst, question="Top")
    child = services.issue_add(review=review, by=analyst, parent=top, question="Child")
    grandchild = services.issue_add(review=review, by=analyst, parent=child, question="Leaf")

    for target in (top, grandchild):
        with pytest.raises(ValidationError) as refused:
            services.issue_move(node=top, by=analyst, expected_version=1, parent=target)
        assert refused.value.message_dict == {"parent": [services.MOVE_UNDER_ITSELF]}
    assert _tree(review) == [("1", "Top"), ("1.1", "Child"), ("1.1.1", "Leaf")]


def test_moving_takes_the_sub_questions_along_and_closes_the_gap(review, analyst):
    first = services.issue_add(review=review, by=analyst, question="First")
    moving = services.issue_add(review=review, by=analyst, question="Moving")
    services.issue_add(review=review, by=analyst, parent=moving, question="Its child")
    services.issue_add(review=review, by=analyst, question="Third")

    services.issue_move(node=moving, by=analyst, expected_version=1, parent=first)

    assert _tree(review) == [
        ("1", "First"),
        ("1.1", "Moving"),
        ("1.1.1", "Its child"),
        ("2", "Third"),
    ]
    moving.refresh_from_db()
    assert moving.version == 2
    assert moving.history.first().history_user == analyst


def test_a_question_from_another_review_is_not_a_parent(review, priority, analyst):
    other = services.review_create(
        priority=priority,
        by=analyst,
        title="Other",
        commissioner="PM",
        start=date(2003, 3, 3),
        report_due=date(2003, 5, 12),
    )
    elsewhere = services.issue_add(review=other, by=analyst, question="Elsewhere")
    node = services.issue_add(review=review, by=analyst, question="Here")
    with pytest.raises(ValidationError) as refused:
        services.issue_move(node=node, by=analyst, expected_version=1, parent=elsewhere)
    assert refused.value.message_dict == {"parent": [services.OTHER_REVIEW]}


def test_reordering_swaps_siblings_and_refuses_past_the_end(review, analyst):
    a = services.issue_add(review=review, by=analyst, question="A")
    b = services.issue_add(review=review, by=analyst, question="B")
    services.issue_reorder(node=b, by=analyst, expected_version=1, up=True)
    assert _tree(review) == [("1", "B"), ("2", "A")]
    with pytest.raises(ValidationError) as refused:
        services.issue_reorder(node=a, by=analyst, expected_version=1, up=False)
    assert refused.value.messages == [services.AT_THE_END]


def test_only_a_question_without_sub_questions_is_deleted(review, analyst):
    top = services.issue_add(review=review, by=analyst, question="Top")
    leaf = services.issue_add(review=review, by=analyst, parent=top, question="Leaf")
    with pytest.raises(ValidationError) as refused:
        services.issue_delete(node=top, by=analyst, expected_version=1)
    assert refused.value.messages == [services.HAS_SUB_QUESTIONS]

    services.issue_delete(node=leaf, by=analyst, expected_version=1)
    assert _tree(review) == [("1", "Top")]
    assert IssueNode.history.filter(history_type="-").get().history_user == analyst


def test_settling_a_question_needs_its_evidence(review, analyst):
    node = services.issue_add(review=review, by=analyst, question="Is screening slow?")
    with pytest.raises(ValidationError) as refused:
        services.issue_update(
            node=node, by=analyst, expected_version=1, status=IssueStatus.SUPPORTED
        )
    assert refused.value.message_dict == {"evidence": [services.EVIDENCE_REQUIRED]}

    settled = services.issue_update(
        node=node,
        by=analyst,
        expected_version=1,
        status=IssueStatus.SUPPORTED,
        evidence="Median screening took 9 days against 3 planned.",
    )
    assert (settled.status, settled.version) == ("supported", 2)


def test_two_people_changing_one_question_conflict(review, analyst, world):
    node = services.issue_add(review=review, by=analyst, question="Q")
    services.issue_update(node=node, by=analyst, expected_version=1, hypothesis="Mine")
    with pytest.raises(ConflictError):
        services.issue_update(
            node=node, by=world.users["unit_lead"], expected_version=1, hypothesis="Theirs"
        )
    node.refresh_from_db()
    assert node.hypothesis == "Mine"


# --- visits, findings and recommendations -------------------------------------------------------


def test_a_visit_is_placed_only_on_its_priority_chain(review, analyst, world):
    from priorities import services as priority_services

    other_priority = PriorityFactory(lead_department=world.other)
    elsewhere = priority_services.chain_link_add(priority=other_priority, by=analyst, who="X")
    with pytest.raises(ValidationError) as refused:
        services.visit_add(
            review=review, by=analyst, date=date(2003, 3, 1), site="Unit", chain_link=elsewhere
        )
    assert refused.value.message_dict == {"chain_link": [services.LINK_NOT_IN_CHAIN]}


def test_a_finding_charts_measures_of_its_priority_or_sub_targets_only(review, analyst, world):
    from reviews.models import ChartKind

    sub = PriorityFactory(lead_department=world.own, parent=review.priority)
    own_measure = MeasureFactory(priority=sub)
    stranger = MeasureFactory(priority=PriorityFactory(lead_department=world.other))
    finding = services.finding_add(
        review=review,
        by=analyst,
        headline="Sub-target measure",
        chart_kind=ChartKind.MEASURE,
        measure=own_measure,
    )
    assert finding.measure == own_measure
    with pytest.raises(ValidationError) as refused:
        services.finding_add(
            review=review,
            by=analyst,
            headline="Stranger",
            chart_kind=ChartKind.MEASURE,
            measure=own_measure,
            compare_with=stranger,
        )
    assert refused.value.message_dict == {"compare_with": [services.MEASURE_NOT_IN_PRIORITY]}


def test_accepting_a_recommendation_creates_a_tracked_action_about_the_priority(
    review, analyst, world
):
    first = services.recommendation_add(
        review=review,
        by=analyst,
        description="Double the screening staff",
        owner="Director, Asylum Casework",
        department=world.own,
        due=date(2003, 7, 31),
    )
    second = services.recommendation_add(
        review=review,
        by=analyst,
        description="Publish weekly intake",
        owner="Head of Statistics",
        department=world.own,
        due=date(2003, 6, 30),
    )
    assert (first.rank, second.rank) == (1, 2)
    services.recommendation_reorder(recommendation=second, by=analyst, expected_version=1, up=True)

    action = services.recommendation_accept(recommendation=second, by=analyst, expected_version=2)

    action.refresh_from_db()
    assert action.source == ActionSource.REVIEW
    assert action.source_note == "Priority review: Asylum intake"
    assert action.priority == review.priority
    assert (action.description, action.owner, action.department) == (
        "Publish weekly intake",
        "Head of Statistics",
        world.own,
    )
    assert (action.rank, action.status, action.meeting) == (1, ActionStatus.OPEN, None)
    second.refresh_from_db()
    assert (second.action, second.accepted_by) == (action, analyst)
    assert action.updates.get().by == analyst

    # Once tracked, the tracker is where it changes: it cannot be edited, deleted or accepted
    # again here, and nothing new reaches the tracker.
    for change in (
        lambda: services.recommendation_accept(
            recommendation=second, by=analyst, expected_version=None
        ),
        lambda: services.recommendation_update(
            recommendation=second, by=analyst, expected_version=None, description="Changed"
        ),
        lambda: services.recommendation_delete(
            recommendation=second, by=analyst, expected_version=None
        ),
    ):
        with pytest.raises(ValidationError) as refused:
            change()
        assert refused.value.messages == [services.ALREADY_ACCEPTED]
    assert Action.objects.count() == 1
