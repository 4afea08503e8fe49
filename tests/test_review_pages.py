"""The reviews list and the review workspace through HTTP: full pages and htmx fragments, every
change also a plain form that redirects back, bounded queries however big the review (a tree
50 levels deep and 1,000 questions big included), and where reviews show elsewhere: the
priority page, the home page, the action tracker and the next stocktake's pack."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from deliveryunit import clock
from priorities import services as priority_services
from priorities.models import LinkStrength
from reviews import services
from reviews.models import IssueNode, PriorityReview
from reviews.selectors import LATE_WARNING, LENGTH_WARNING
from reviews.views import STAGE_MOVED
from reviews.views_issues import QUESTION_ADDED, QUESTION_MOVED
from reviews.views_parts import ACCEPTED
from stocktakes import services as stocktake_services
from stocktakes.models import ForumKind

from .factories import MeasureFactory, PriorityFactory, add_trajectory
from .matrix_reviews import build_review

SCRIPT = "<script>alert(1)</script>"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def priority(world):
    priority = PriorityFactory(code="PSA 7", title="Asylum", lead_department=world.own)
    measure = MeasureFactory(priority=priority, name="Applications", unit="applications")
    add_trajectory(measure, [(date(2002, 10, 1), 8770), (date(2003, 9, 1), 4385)])
    return priority


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


def _url(name, *args):
    return reverse(f"reviews:{name}", args=args)


def _workspace(review):
    return _url("review_detail", review.pk)


def _get(client, user, url, **extra):
    client.force_login(user)
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode()


def _tree_numbers(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-number="([\d.]+)" data-depth="(\d+)"', html)


# --- the list -----------------------------------------------------------------------------------


def test_list_shows_stage_priority_due_and_warnings(client, review, analyst, official):
    review.report_due = date(2003, 7, 7)
    review.save()
    html = _get(client, official, _url("review_list"))
    row = re.search(r'data-testid="review-row".*?</tr>', html, re.S).group(0)
    assert "Asylum intake" in row
    assert "PSA 7: Asylum" in row
    assert 'data-stage="scoping"' in row
    assert "7 Jul 2003" in row
    assert LENGTH_WARNING.format(weeks=18) in row
    # "Today" is the business date: long after 2003, the review is late.
    assert LATE_WARNING.format(due="7 July 2003") in row
    assert 'data-testid="late"' in row
    # Readers are not offered a new review.
    assert _url("review_create") not in html


def test_list_filters_by_stage(client, review, analyst):
    html = _get(client, analyst, _url("review_list") + "?stage=fieldwork")
    assert 'data-testid="no-reviews"' in html
    html = _get(client, analyst, _url("review_list") + "?stage=scoping")
    assert html.count('data-testid="review-row"') == 1


def test_official_sees_only_own_department_reviews(client, review, world, analyst, official):
    other = PriorityFactory(code="OTHER", lead_department=world.other)
    services.review_create(
        priority=other,
        by=analyst,
        title="Hidden review",
        commissioner="PM",
        start=date(2003, 3, 3),
        report_due=date(2003, 5, 12),
    )
    html = _get(client, official, _url("review_list"))
    assert "Asylum intake" in html
    assert "Hidden review" not in html


def test_list_runs_the_same_queries_for_3_or_30_reviews(
    client, priority, analyst, django_assert_max_num_queries
):
    def add(count):
        for n in range(count):
            services.review_create(
                priority=priority,
                by=analyst,
                title=f"Review {n}",
                commissioner="PM",
                start=date(2003, 3, 3),
                report_due=date(2003, 5, 12),
            )

    add(3)
    client.force_login(analyst)
    small = _count(client, _url("review_list"))
    add(27)
    clock.forget()
    with django_assert_max_num_queries(small):
        response = client.get(_url("review_list"))
    assert response.content.decode().count('data-testid="review-row"') == 30


# --- starting a review --------------------------------------------------------------------------


def test_analyst_starts_a_review_from_the_priority_page_link(client, priority, analyst):
    client.force_login(analyst)
    page = client.get(reverse("priorities:detail", args=[priority.pk])).content.decode()
    start = f"{_url('review_create')}?priority={priority.pk}"
    assert start in page
    form = client.get(start).content.decode()
    assert f'<option value="{priority.pk}" selected>' in form

    response = client.post(
        _url("review_create"),
        {
            "priority": priority.pk,
            "title": "Asylum screening",
            "commissioner": "Prime Minister",
            "start": "2003-03-03",
            "report_due": "2003-05-12",
        },
    )
    review = PriorityReview.objects.get(title="Asylum screening")
    assert response.status_code == 302
    assert response["Location"] == _workspace(review)


def test_a_review_with_missing_fields_is_refused_with_the_errors(client, analyst):
    client.force_login(analyst)
    response = client.post(_url("review_create"), {"title": ""})
    assert response.status_code == 422
    assert "Choose the priority to review." in response.content.decode()
    assert not PriorityReview.objects.exists()


# --- the workspace ------------------------------------------------------------------------------


def test_workspace_is_a_full_page_for_readers_without_edit_controls(
    client, priority, analyst, official, world
):
    review, _rows = build_review(priority, analyst, world.own, title="Full review")
    html = _get(client, official, _workspace(review))
    for section in ("details", "team", "scope", "chain", "issues", "plan", "visits"):
        assert f'id="{section}"' in html
    for section in ("findings", "recommendations", "report"):
        assert f'id="{section}"' in html
    assert "Is the target at risk?" in html
    assert 'data-testid="finding-chart"' in html
    assert 'data-testid="finding-image"' in html
    # Read only: no forms that change anything, no add or change links.
    assert _url("issue_add", review.pk) not in html
    assert 'name="version"' not in html
    assert "du-chain__controls" not in html


def test_scope_guidance_is_shown_beside_each_part(client, review, analyst):
    from reviews.forms import GUIDANCE

    html = _get(client, analyst, _workspace(review))
    for text in GUIDANCE.values():
        assert text in html
    form = _get(client, analyst, _url("scope_edit", review.pk), **HTMX)
    assert form.lstrip().startswith('<section id="scope"')
    for text in GUIDANCE.values():
        assert text in form


def test_user_text_is_escaped_everywhere_in_the_workspace(client, review, analyst):
    services.issue_add(review=review, by=analyst, question=SCRIPT, hypothesis=SCRIPT)
    services.review_update(review=review, by=analyst, expected_version=1, basic_question=SCRIPT)
    html = _get(client, analyst, _workspace(review))
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_htmx_gets_the_issue_tree_alone_and_a_plain_post_redirects(client, review, analyst):
    client.force_login(analyst)
    fragment = client.get(_url("issue_add", review.pk), **HTMX)
    assert fragment.status_code == 200
    assert fragment["Vary"] == "HX-Request" or "HX-Request" in fragment["Vary"]
    body = fragment.content.decode()
    assert body.lstrip().startswith('<section id="issues"')
    assert "<html" not in body
    assert 'name="new-issue-question"' in body

    with_htmx = client.post(
        _url("issue_add", review.pk), {"new-issue-question": "Will intake halve?"}, **HTMX
    )
    assert with_htmx.status_code == 200
    assert QUESTION_ADDED.format(number="1") in with_htmx.content.decode()

    plain = client.post(_url("issue_add", review.pk), {"new-issue-question": "Is it fast?"})
    assert plain.status_code == 302
    assert plain["Location"] == _workspace(review) + "#issues"
    page = client.get(plain["Location"]).content.decode()
    assert QUESTION_ADDED.format(number="2") in page
    assert _tree_numbers(page) == [("1", "0"), ("2", "0")]


def test_a_sub_question_is_added_under_its_parent(client, review, analyst):
    top = services.issue_add(review=review, by=analyst, question="Top")
    client.force_login(analyst)
    response = client.post(
        _url("issue_add_under", review.pk, top.pk),
        {f"new-issue-{top.pk}-question": "Under the top", f"new-issue-{top.pk}-hypothesis": "Yes"},
        **HTMX,
    )
    assert response.status_code == 200
    assert _tree_numbers(response.content.decode()) == [("1", "0"), ("1.1", "1")]


def test_an_empty_question_is_refused_in_place(client, review, analyst):
    client.force_login(analyst)
    response = client.post(_url("issue_add", review.pk), {"new-issue-question": " "}, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="issues"')
    assert "govuk-error-summary" in body
    assert not IssueNode.objects.exists()


def test_moving_a_question_under_its_own_descendant_is_refused_with_the_message(
    client, review, analyst
):
    top = services.issue_add(review=review, by=analyst, question="Top")
    child = services.issue_add(review=review, by=analyst, parent=top, question="Child")
    client.force_login(analyst)
    data = {f"move-{top.pk}-parent": child.pk, f"move-{top.pk}-version": 1}

    response = client.post(_url("issue_move", review.pk, top.pk), data, **HTMX)

    assert response.status_code == 422
    assert services.MOVE_UNDER_ITSELF in response.content.decode()
    top.refresh_from_db()
    assert (top.parent_id, top.version) == (None, 1)
    # The same without JavaScript: the workspace with the tree open and the message.
    page = client.post(_url("issue_move", review.pk, top.pk), data)
    assert page.status_code == 422
    assert services.MOVE_UNDER_ITSELF in page.content.decode()
    assert "<html" in page.content.decode()


def test_a_question_moves_and_the_move_form_offers_only_valid_places(client, review, analyst):
    first = services.issue_add(review=review, by=analyst, question="First")
    second = services.issue_add(review=review, by=analyst, question="Second")
    under_second = services.issue_add(review=review, by=analyst, parent=second, question="Deep")
    client.force_login(analyst)

    form = client.get(_url("issue_edit", review.pk, second.pk), **HTMX).content.decode()
    select = re.search(rf'name="move-{second.pk}-parent".*?</select>', form, re.S).group(0)
    offered = re.findall(r'<option value="(\d*)"', select)
    assert offered == ["", str(first.pk)]
    assert str(under_second.pk) not in offered

    response = client.post(
        _url("issue_move", review.pk, second.pk),
        {f"move-{second.pk}-parent": first.pk, f"move-{second.pk}-version": 1},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert QUESTION_MOVED in body
    assert _tree_numbers(body) == [("1", "0"), ("1.1", "1"), ("1.1.1", "2")]


def test_settling_a_question_through_the_form(client, review, analyst):
    from reviews.forms import ISSUE_GUIDANCE

    node = services.issue_add(review=review, by=analyst, question="Is screening slow?")
    client.force_login(analyst)
    prefix = f"issue-{node.pk}"
    refused = client.post(
        _url("issue_edit", review.pk, node.pk),
        {f"{prefix}-question": "Is screening slow?", f"{prefix}-status": "refuted",
         f"{prefix}-version": 1},
        **HTMX,
    )  # fmt: skip
    assert refused.status_code == 422
    assert services.EVIDENCE_REQUIRED in refused.content.decode()
    assert ISSUE_GUIDANCE["evidence"] in refused.content.decode()

    saved = client.post(
        _url("issue_edit", review.pk, node.pk),
        {f"{prefix}-question": "Is screening slow?", f"{prefix}-status": "refuted",
         f"{prefix}-evidence": "Median 2 days.", f"{prefix}-version": 1},
        **HTMX,
    )  # fmt: skip
    assert saved.status_code == 200
    assert 'data-status="refuted"' in saved.content.decode()


def test_a_stale_question_edit_shows_both_versions_and_keeps_the_typing(client, review, analyst):
    node = services.issue_add(review=review, by=analyst, question="Original")
    services.issue_update(node=node, by=analyst, expected_version=1, question="Theirs")
    client.force_login(analyst)
    prefix = f"issue-{node.pk}"
    response = client.post(
        _url("issue_edit", review.pk, node.pk),
        {f"{prefix}-question": "Mine", f"{prefix}-status": "open", f"{prefix}-version": 1},
        **HTMX,
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="conflict"' in body
    assert "Theirs" in body
    assert "Mine" in body
    assert f'name="{prefix}-version" value="2"' in body
    node.refresh_from_db()
    assert node.question == "Theirs"


def test_a_write_without_its_version_is_refused(client, review, analyst):
    node = services.issue_add(review=review, by=analyst, question="Leaf")
    client.force_login(analyst)
    response = client.post(_url("issue_delete", review.pk, node.pk), {}, **HTMX)
    assert response.status_code == 422
    assert IssueNode.objects.filter(pk=node.pk).exists()


def test_writes_need_the_csrf_token_htmx_included(review, analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    response = client.post(_url("issue_add", review.pk), {"new-issue-question": "Q"}, **HTMX)
    assert response.status_code == 403
    assert not IssueNode.objects.exists()


def test_the_stage_moves_on_from_the_workspace(client, review, analyst):
    client.force_login(analyst)
    response = client.post(_url("stage_move", review.pk), {"stage": "fieldwork", "version": 1})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert STAGE_MOVED.format(stage="fieldwork") in page
    assert 'data-stage="fieldwork"' in page
    history = re.search(r'data-testid="stage-history".*?</table>', page, re.S).group(0)
    assert "Scoping to fieldwork" in history
    assert str(analyst) in history


def test_accepting_a_recommendation_puts_it_in_the_tracker_and_the_next_pack(
    client, priority, review, analyst, official, world
):
    recommendation = services.recommendation_add(
        review=review,
        by=analyst,
        description="Double the screening staff",
        owner="Director, Asylum Casework",
        department=world.own,
        due=date(2003, 7, 31),
    )
    forum = stocktake_services.forum_create(
        by=analyst,
        name="PM stocktake: asylum",
        kind=ForumKind.STOCKTAKE,
        chair="Prime Minister",
        priorities=[priority],
    )
    meeting = stocktake_services.meeting_schedule(forum=forum, by=analyst, date=date(2003, 9, 1))
    client.force_login(analyst)

    response = client.post(
        _url("recommendation_accept", review.pk, recommendation.pk), {"version": 1}, **HTMX
    )

    assert response.status_code == 200
    assert ACCEPTED.format(rank=1) in response.content.decode()
    tracker = _get(client, official, reverse("stocktakes:action_list"))
    row = re.search(r'data-testid="action-row".*?</tr>', tracker, re.S).group(0)
    assert "Double the screening staff" in row
    assert "Priority review: Asylum intake" in row
    pack = _get(client, analyst, reverse("stocktakes:pack_issue", args=[meeting.pk]))
    outstanding = re.search(r'data-testid="outstanding".*?</table>', pack, re.S).group(0)
    assert "Double the screening staff" in outstanding


# --- elsewhere ----------------------------------------------------------------------------------


def test_priority_page_lists_its_reviews_and_places_visits_on_the_chain(
    client, priority, review, analyst, official
):
    link = priority_services.chain_link_add(
        priority=priority, by=analyst, who="Screening units", strength=LinkStrength.WEAK
    )
    services.visit_add(
        review=review, by=analyst, date=date(2003, 3, 20), site="Croydon", chain_link=link
    )
    html = _get(client, official, reverse("priorities:detail", args=[priority.pk]))
    reviews = re.search(r'data-testid="priority-reviews".*?</table>', html, re.S).group(0)
    assert "Asylum intake" in reviews
    assert 'data-stage="scoping"' in reviews
    assert "12 May 2003" in reviews
    marks = re.search(r'data-testid="chain-marks".*?</ul>', html, re.S).group(0)
    assert "Visit to Croydon, 20 Mar 2003 (Asylum intake)" in marks
    # An official may read but not start a review.
    assert _url("review_create") not in html


def test_home_page_counts_reviews_under_way(client, review, analyst, world, official):
    services.review_move_stage(review=review, by=analyst, expected_version=1, stage="fieldwork")
    other = PriorityFactory(code="OTHER", lead_department=world.other)
    services.review_create(
        priority=other,
        by=analyst,
        title="Elsewhere",
        commissioner="PM",
        start=date(2003, 3, 3),
        report_due=date(2003, 5, 12),
    )
    html = _get(client, analyst, reverse("home"))
    assert "<strong>2</strong> reviews under way you can see" in html
    html = _get(client, official, reverse("home"))
    assert "<strong>1</strong> review under way you can see" in html


# --- query bounds -------------------------------------------------------------------------------


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The business date is kept for a few seconds per process: read it afresh each time, so
    # both counts include it.
    clock.forget()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_a_tree_50_deep_and_1000_big_runs_the_same_queries_as_a_small_one(
    client, review, analyst, django_assert_max_num_queries
):
    top = services.issue_add(review=review, by=analyst, question="Q top")
    services.issue_add(review=review, by=analyst, parent=top, question="Q small")
    client.force_login(analyst)
    url = _workspace(review)
    small = _count(client, url)

    # 50 levels on one branch (the top question, 48 below it, and the leaves under those), then
    # leaves up to 1,000 questions (in bulk: the service's checks are tested elsewhere; this is
    # about reading).
    parent = top
    for depth in range(2, 50):
        parent = IssueNode.objects.create(
            review=review, parent=parent, position=1, question=f"Level {depth}"
        )
    deepest = parent
    IssueNode.objects.bulk_create(
        IssueNode(review=review, parent=deepest, position=n, question=f"Leaf {n}")
        for n in range(2, 2 + 1000 - IssueNode.objects.filter(review=review).count())
    )
    assert IssueNode.objects.filter(review=review).count() == 1000

    clock.forget()
    with django_assert_max_num_queries(small) as captured:
        response = client.get(url)
    assert len(captured) == small
    numbers = _tree_numbers(response.content.decode())
    assert len(numbers) == 1000
    assert max(int(depth) for _number, depth in numbers) + 1 == 50
    html = response.content.decode()
    # Every list that opens is closed: the nesting is well formed.
    chunk = re.search(r'<ol class="du-issue-tree".*?</section>', html, re.S).group(0)
    assert chunk.count("<ol") == chunk.count("</ol>")
    assert chunk.count('<li class="du-issue"') == 1000


def test_workspace_runs_the_same_queries_for_a_small_or_a_big_review(
    client, priority, analyst, world, django_assert_max_num_queries
):
    review, _rows = build_review(priority, analyst, world.own, title="Growing review")
    client.force_login(analyst)
    url = _workspace(review)
    small = _count(client, url)

    second = MeasureFactory(priority=priority, name="Second measure")
    from reviews.models import ChartKind

    for n in range(8):
        services.team_member_add(review=review, by=analyst, name=f"Member {n}", role="analyst")
        link = priority_services.chain_link_add(priority=priority, by=analyst, who=f"Link {n}")
        services.plan_row_add(review=review, by=analyst, analysis=f"Analysis {n}")
        services.visit_add(
            review=review, by=analyst, date=date(2003, 4, 1), site=f"Site {n}", chain_link=link
        )
        services.finding_add(
            review=review,
            by=analyst,
            headline=f"Finding {n}",
            chart_kind=ChartKind.MEASURE,
            measure=second,
            compare_with=priority.measures.first(),
        )
        recommendation = services.recommendation_add(
            review=review, by=analyst, description=f"Do {n}", owner="Director",
            department=world.own, due=date(2003, 7, 1),
        )  # fmt: skip
        services.recommendation_accept(
            recommendation=recommendation, by=analyst, expected_version=None
        )

    clock.forget()
    with django_assert_max_num_queries(small) as captured:
        response = client.get(url)
    assert len(captured) == small
    assert response.content.decode().count('data-testid="finding-chart"') == 9
