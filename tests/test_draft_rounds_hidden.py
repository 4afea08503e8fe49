"""Draft and moderated rounds are the unit's working papers: a minister or official who types
the id of an assessment (or of a round) in one gets a 404, exactly as for an object outside their
department, on every page about it; once the round is published they read it."""

from datetime import date

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import AssessmentStatus

from .factories import PriorityFactory
from .matrix_assessments import assess, make_round

READERS = ("minister", "minister_all", "official")


@pytest.fixture
def rounds(world):
    lead = world.users["unit_lead"]
    priority = PriorityFactory(code="DR-1", lead_department=world.own)
    published = make_round("Published round", date(2003, 6, 30), [priority], by=lead)
    published_assessment = assess(published, priority, likelihood_rationale="Seen by all")
    services.round_publish(round_=published, by=lead)
    draft = make_round("Draft round", date(2003, 12, 31), [priority], by=lead)
    draft_assessment = assess(
        draft, priority, "M AG AG 3 AG", status=AssessmentStatus.DRAFT, narrative="Working paper"
    )
    challenge = services.key_challenge_add(
        assessment=draft_assessment, by=world.users["analyst"], title="Draft challenge"
    )
    return {
        "priority": priority,
        "published": published,
        "published_assessment": published_assessment,
        "draft": draft,
        "draft_assessment": draft_assessment,
        "challenge": challenge,
    }


@pytest.mark.parametrize("user", READERS)
@pytest.mark.parametrize(
    "url_name", ["assessments:assessment_detail", "assessments:assessment_history"]
)
def test_readers_get_404_for_an_assessment_in_a_draft_round(client, world, rounds, user, url_name):
    client.force_login(world.users[user])
    response = client.get(reverse(url_name, args=[rounds["draft_assessment"].pk]))
    assert response.status_code == 404
    assert b"Working paper" not in response.content


@pytest.mark.parametrize("user", READERS)
@pytest.mark.parametrize(
    "url_name", ["assessments:assessment_detail", "assessments:assessment_history"]
)
def test_readers_see_an_assessment_in_a_published_round(client, world, rounds, user, url_name):
    client.force_login(world.users[user])
    response = client.get(reverse(url_name, args=[rounds["published_assessment"].pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("user", ["analyst", "unit_lead"])
def test_editors_read_an_assessment_in_a_draft_round(client, world, rounds, user):
    client.force_login(world.users[user])
    response = client.get(
        reverse("assessments:assessment_detail", args=[rounds["draft_assessment"].pk])
    )
    assert response.status_code == 200
    assert b"Working paper" in response.content


@pytest.mark.parametrize("user", READERS)
def test_the_editor_of_a_draft_round_is_404_to_readers(client, world, rounds, user):
    client.force_login(world.users[user])
    url = reverse("assessments:assessment_edit", args=[rounds["draft"].pk, rounds["priority"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"version": "0"}).status_code == 404


@pytest.mark.parametrize("user", READERS)
@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("assessments:assessment_submit", "draft_assessment"),
        ("assessments:assessment_agree", "draft_assessment"),
        ("assessments:assessment_return", "draft_assessment"),
        ("assessments:challenge_add", "draft_assessment"),
        ("assessments:challenge_update", "challenge"),
        ("assessments:challenge_remove", "challenge"),
        ("assessments:challenge_move", "challenge"),
    ],
)
def test_writes_to_a_draft_round_are_404_to_readers(client, world, rounds, user, name, key):
    client.force_login(world.users[user])
    assert client.post(reverse(name, args=[rounds[key].pk]), {"version": "1"}).status_code == 404


@pytest.mark.parametrize("user", READERS)
@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("assessments:round_moderation", "post"),
        ("assessments:round_publish", "get"),
        ("assessments:round_publish", "post"),
        ("assessments:round_reopen", "get"),
    ],
)
def test_unit_lead_round_pages_of_a_draft_round_are_404_to_readers(
    client, world, rounds, user, name, method
):
    """The round is out of their sight, so they are not told it exists (not 403)."""
    client.force_login(world.users[user])
    url = reverse(name, args=[rounds["draft"].pk])
    assert getattr(client, method)(url).status_code == 404


def test_an_analyst_is_refused_the_unit_leads_round_pages_with_403(client, world, rounds):
    client.force_login(world.users["analyst"])
    assert (
        client.get(reverse("assessments:round_publish", args=[rounds["draft"].pk])).status_code
        == 403
    )


@pytest.mark.parametrize("user", READERS)
def test_the_movement_report_leaves_out_draft_judgements(client, world, rounds, user):
    client.force_login(world.users[user])
    url = reverse("assessments:movement")
    response = client.get(url, {"from": rounds["published"].pk, "to": rounds["draft"].pk})
    assert response.status_code == 200
    assert rounds["draft"].name.encode() not in response.content


def test_the_scoping_rule_hides_draft_assessments_from_readers(world, rounds):
    from assessments.models import Assessment, KeyChallenge
    from deliveryunit import access

    for user in READERS:
        visible = set(access.scoped(Assessment.objects.all(), world.users[user]))
        assert visible == {rounds["published_assessment"]}, user
        assert not access.scoped(KeyChallenge.objects.all(), world.users[user]).exists(), user
    assert set(access.scoped(Assessment.objects.all(), access.SYSTEM)) == {
        rounds["published_assessment"]
    }
    assert set(access.scoped(Assessment.objects.all(), world.users["analyst"])) == {
        rounds["published_assessment"],
        rounds["draft_assessment"],
    }
