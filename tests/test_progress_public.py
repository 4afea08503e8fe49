"""The public progress pages: only what the unit made public appears, nothing touches the
session or sets a cookie, pages are cached until what they show changes, and the CSV cannot run
formulas."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import models
from django.urls import reverse

from assessments.models import Assessment, AssessmentRound, RoundStatus
from plans import services
from plans.models import Objective, PlanVersion, Rag
from priorities import services as priority_services
from priorities.services import ActualData
from stocktakes import services as stocktake_services
from stocktakes.models import Action, ForumKind

from .factories import MilestoneFactory
from .plans_world import build_plan

pytestmark = pytest.mark.django_db

MARK = "SECRETMARK"
SHORT = "Zq"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _published_with_public_measure(department, by, tag=""):
    built = build_plan(department, by, publish=False, tag=tag)
    priority_services.actual_record(
        measure=built.link.measure,
        by=by,
        data=ActualData(
            period=date(2016, 3, 1), value=Decimal("54"), note="A private note", source="Internal"
        ),
    )
    services.objective_measure_update(
        link=built.link,
        by=by,
        expected_version=built.link.version,
        public=True,
        public_note="Source: the department's published statistics.",
    )
    built.version = services.version_publish(
        plan_version=built.version, by=by, expected_version=None
    )
    return built


@pytest.fixture
def public_world(world):
    """The Home Office plan refreshed once (version 2 in force, version 1 published before it,
    a version 3 in draft) with one public measure; the Department of Health's plan published
    with nothing public; progress, judgements, actions and minutes around them."""
    analyst = world.users["analyst"]
    own = _published_with_public_measure(world.own, analyst)
    v2 = services.version_new_draft(plan=own.plan, by=analyst)
    services.version_update(
        plan_version=v2, by=analyst, expected_version=v2.version, summary="Our plan, refreshed."
    )
    v2 = services.version_publish(plan_version=v2, by=analyst, expected_version=None)
    v3 = services.version_new_draft(plan=own.plan, by=analyst)
    in_force = v2.objectives.get(code=own.strategic.code)
    quarterly = services.return_create(
        objective=in_force,
        by=analyst,
        data=services.ReturnData(
            quarter=date(2016, 4, 1),
            rag=Rag.RED,
            commentary="Behind plan.",
            milestones_met=[],
            milestones_missed=[in_force.timetable.first()],
        ),
        today=date(2016, 8, 1),
    )
    services.return_submit(quarterly=quarterly, by=analyst, expected_version=quarterly.version)
    services.note_add(
        objective=in_force, by=analyst, text="Spoke to the SRO.", noted_on=date(2016, 9, 1)
    )
    other = build_plan(world.other, analyst)
    MilestoneFactory(priority=own.link.measure.priority, title="A milestone")

    round_ = AssessmentRound.objects.create(name="July 2016", date=date(2016, 7, 1))
    round_.priorities.add(own.link.measure.priority)
    Assessment.objects.create(
        round=round_,
        priority=own.link.measure.priority,
        likelihood="AR",
        likelihood_rationale="Rationale",
        narrative="Narrative",
    )
    AssessmentRound.objects.filter(pk=round_.pk).update(status=RoundStatus.PUBLISHED)
    forum = stocktake_services.forum_create(
        by=analyst,
        name="Stocktake",
        kind=ForumKind.STOCKTAKE,
        chair="PM",
        terms_of_reference="Review.",
        cycle_weeks=6,
        priorities=[own.link.measure.priority],
    )
    meeting = stocktake_services.meeting_schedule(forum=forum, by=analyst, date=date(2016, 5, 1))
    Action.objects.create(
        description="Do it", owner="DG", department=world.own, due=date(2016, 6, 1), meeting=meeting
    )
    return {"own": own, "in_force": v2, "draft": v3, "other": other, "objective": in_force}


def _text_fields(model):
    for field in model._meta.concrete_fields:
        is_text = isinstance(field, (models.CharField, models.TextField)) and not field.choices
        if is_text or isinstance(field, models.JSONField):
            yield field


def _allowed(world_objects):
    """(model label, field name) -> pks whose value the public pages may show."""
    version = world_objects["in_force"]
    objectives = list(version.objectives.all())
    public_links = [link for o in objectives for link in o.measure_links.filter(public=True)]
    covered = {link.commitment_id for o in objectives for link in o.commitment_links.all()}
    from deliveryunit.models import Department

    every_department = set(Department.objects.values_list("pk", flat=True))
    return {
        ("deliveryunit.Department", "name"): every_department,
        ("deliveryunit.Department", "code"): every_department,
        ("plans.DepartmentalPlan", "title"): {version.plan_id, world_objects["other"].plan.pk},
        ("plans.PlanVersion", "summary"): {version.pk, world_objects["other"].version.pk},
        **{
            ("plans.Objective", name): {o.pk for o in objectives}
            | {o.pk for o in world_objects["other"].version.objectives.all()}
            for name in ("code", "title", "target")
        },
        **{
            ("plans.ManifestoCommitment", name): covered | {world_objects["other"].commitment.pk}
            for name in ("text", "source_document")
        },
        ("plans.ObjectiveMeasure", "public_note"): {link.pk for link in public_links},
        **{
            ("priorities.Measure", name): {link.measure_id for link in public_links}
            for name in ("name", "unit")
        },
    }


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _mark_everything_else(allowed) -> list[str]:
    """Put a marker in every text field of every row of every model reachable from plans,
    priorities, assessments and stocktakes (and the base's departments, users and documents),
    history included, unless the public pages may show it. Returns the short markers used where
    a field is too short for the long one."""
    short_markers = []
    counter = 0
    labels = ("plans", "priorities", "assessments", "stocktakes", "deliveryunit")
    for label in labels:
        for model in apps.get_app_config(label).get_models():
            fields = list(_text_fields(model))
            if not fields:
                continue
            for pk in list(model._default_manager.values_list("pk", flat=True)):
                changes = {}
                for field in fields:
                    if pk in allowed.get((model._meta.label, field.name), set()):
                        continue
                    counter += 1
                    if isinstance(field, models.JSONField):
                        changes[field.name] = {"text": f"{MARK}{counter}"}
                        continue
                    value = f"{MARK}{counter}"
                    if field.max_length and len(value) > field.max_length:
                        # Four characters fit the shortest fields (rating codes).
                        value = f"{SHORT}{_base36(len(short_markers)):0>2}"
                        assert len(value) <= field.max_length, field
                        short_markers.append(value)
                    changes[field.name] = value
                # Straight to the table: the models' guards (published rounds and plans,
                # issued minutes) would rightly refuse a save.
                model._default_manager.filter(pk=pk).update(**changes)
    assert counter > 200, "the walk found the models' text fields"
    return short_markers


def _public_urls(world_objects):
    from plans.models import DepartmentalPlan

    urls = [reverse("progress:index"), reverse("progress:csv")]
    urls += [
        reverse("progress:plan", args=[pk])
        for pk in DepartmentalPlan.objects.values_list("pk", flat=True)
    ]
    urls += [
        reverse("progress:objective", args=[pk])
        for pk in Objective.objects.values_list("pk", flat=True)
    ]
    return urls


def test_only_what_the_unit_made_public_appears_on_any_public_page(client, public_world):
    short_markers = _mark_everything_else(_allowed(public_world))
    cache.clear()

    shown = {}
    for url in _public_urls(public_world):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        if response.status_code == 200:
            shown[url] = response.content.decode("utf-8-sig")
    for url, content in shown.items():
        assert MARK not in content, url
        for short in short_markers:
            assert not re.search(rf"\b{short}\b", content), (url, short)
    # The public pages did show the public things: the test is not vacuous.
    objective = public_world["objective"]
    page = shown[reverse("progress:objective", args=[objective.pk])]
    assert objective.title in page
    assert public_world["own"].link.measure.name in page
    assert "Source: the department&#x27;s published statistics." in page
    assert "54" in page
    figures = shown[reverse("progress:csv")]
    assert public_world["own"].link.measure.name in figures
    assert len(shown) == 2 + 2 + len(list(public_world["in_force"].objectives.all())) + 2


def test_the_public_pages_hide_drafts_older_versions_and_private_measures(client, public_world):
    own = public_world["own"]
    old_objective = own.strategic  # version 1, published before the version in force
    draft_objective = public_world["draft"].objectives.get(code=own.strategic.code)
    for objective in (old_objective, draft_objective):
        assert client.get(reverse("progress:objective", args=[objective.pk])).status_code == 404
    other_page = client.get(
        reverse("progress:objective", args=[public_world["other"].strategic.pk])
    )
    assert other_page.status_code == 200
    assert public_world["other"].link.measure.name not in other_page.content.decode()
    assert "does not publish figures for this objective" in other_page.content.decode()
    index = client.get(reverse("progress:index")).content.decode()
    assert "Version 2" in index
    assert "OFFICIAL-SENSITIVE" not in index


def test_public_pages_touch_no_session_and_set_no_cookie(client, public_world, analyst):
    urls = [
        reverse("progress:index"),
        reverse("progress:plan", args=[public_world["own"].plan.pk]),
        reverse("progress:objective", args=[public_world["objective"].pk]),
        reverse("progress:csv"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, url
        assert "Cookie" not in response.headers.get("Vary", ""), url
        assert "csrfmiddlewaretoken" not in response.content.decode("utf-8-sig")
    assert not client.cookies
    client.force_login(analyst)
    signed_in = client.get(urls[0])
    assert "Set-Cookie" not in signed_in.headers
    assert "Cookie" not in signed_in.headers.get("Vary", "")
    assert "Sign out" not in signed_in.content.decode()


def test_public_pages_are_cached_until_a_version_is_published_or_a_public_figure_changes(
    client, public_world, analyst, django_assert_max_num_queries
):
    url = reverse("progress:objective", args=[public_world["objective"].pk])
    first = client.get(url)
    with django_assert_max_num_queries(8):
        again = client.get(url)
    assert again.content == first.content
    assert "public" in again["Cache-Control"]

    measure = public_world["own"].link.measure
    priority_services.actual_record(
        measure=measure, by=analyst, data=ActualData(period=date(2016, 4, 1), value=Decimal("57.5"))
    )
    assert "57.5" in client.get(url).content.decode()

    index = reverse("progress:index")
    assert "Version 3" not in client.get(index).content.decode()
    draft = public_world["draft"]
    services.version_publish(plan_version=draft, by=analyst, expected_version=None)
    assert "Version 3" in client.get(index).content.decode()


def test_the_public_csv_cannot_run_formulas(client, world, analyst):
    built = build_plan(world.own, analyst, publish=False)
    services.objective_update(
        objective=built.strategic,
        by=analyst,
        expected_version=built.strategic.version,
        title='=HYPERLINK("http://example.com")',
    )
    priority_services.actual_record(
        measure=built.link.measure,
        by=analyst,
        data=ActualData(period=date(2016, 3, 1), value=Decimal("54")),
    )
    link = built.link
    services.objective_measure_update(
        link=link, by=analyst, expected_version=link.version, public=True
    )
    services.version_publish(plan_version=built.version, by=analyst, expected_version=None)
    response = client.get(reverse("progress:csv"))
    assert response["Content-Disposition"] == 'attachment; filename="progress-figures.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["department", "plan", "version", "objective"]
    titles = {row[4] for row in rows[1:]}
    assert titles == {'\'=HYPERLINK("http://example.com")'}
    march = next(row for row in rows[1:] if row[7] == "2016-03")
    assert (march[9], march[10], march[11]) == ("54", "final", "no")


def test_a_published_version_with_nothing_public_shows_no_figures(client, world, analyst):
    built = build_plan(world.own, analyst)
    response = client.get(reverse("progress:objective", args=[built.strategic.pk]))
    assert built.link.measure.name not in response.content.decode()
    assert PlanVersion.objects.get(pk=built.version.pk).is_published
