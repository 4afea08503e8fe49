"""Writes to assessment rounds and assessments.

Rules that every path (forms, htmx, admin, tasks) meets because they are enforced here and in
the models' save(): a published round is read-only; publishing needs an agreed assessment for
every priority in scope; reopening needs a reason, which is recorded; two people saving the same
assessment, or the same key challenge, from the same version cannot overwrite each other
(ConflictError).
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from deliveryunit.editing import attribute, bump, check_version, locked
from priorities import performance as perf
from priorities.models import Priority
from priorities.selectors import measure_series_for_priorities

from .models import (
    DIMENSION_ORDER,
    AreaRating,
    Assessment,
    AssessmentRound,
    AssessmentStatus,
    KeyChallenge,
    RatingOption,
    RoundEvent,
    RoundLocked,
    RoundStatus,
)

PUBLISH_INCOMPLETE = "The round cannot be published until every priority has an agreed assessment."
REOPEN_REASON_REQUIRED = "Give the reason for reopening the round."
NOT_PUBLISHED = "Only a published round can be reopened."
ALREADY_PUBLISHED = "The round is already published."
SUBMIT_INCOMPLETE = (
    "Make all five judgements, and give the likelihood rationale, before submitting."
)
AGREE_NOT_SUBMITTED = "Only a submitted assessment can be agreed."
NOT_IN_ROUND = "That priority is not in this round."
UNKNOWN_RATING = "'{value}' is not on the {dimension} scale."
CHALLENGE_TITLE_REQUIRED = "Give the key challenge a title."

JUDGEMENT_FIELDS = [str(code) for code in DIMENSION_ORDER]
TEXT_FIELDS = [f"{code}_rationale" for code in JUDGEMENT_FIELDS] + [
    "performance_commentary",
    "narrative",
]


class PublishRefused(Exception):
    def __init__(self, missing: list[tuple[Priority, str]]):
        super().__init__(PUBLISH_INCOMPLETE)
        self.missing = missing  # (priority, what it lacks)


def ensure_editable(round_: AssessmentRound) -> None:
    if round_.status == RoundStatus.PUBLISHED:
        raise RoundLocked()


def scale_codes() -> dict[str, set[str]]:
    codes: dict[str, set[str]] = {}
    for option in RatingOption.objects.select_related("dimension"):
        codes.setdefault(option.dimension.code, set()).add(option.code)
    return codes


# --- rounds -------------------------------------------------------------------------------


@transaction.atomic
def round_create(
    *, by: Any, name: str, date: date, priorities: list[Priority] | None = None
) -> AssessmentRound:
    """A new round in draft. By default it covers every active priority."""
    round_ = AssessmentRound(name=name, date=date)
    round_.full_clean()
    attribute(round_, by)
    round_.save()
    if priorities is None:
        priorities = list(Priority.objects.filter(active=True))
    round_.priorities.set(priorities)
    RoundEvent.objects.create(round=round_, kind=RoundEvent.Kind.CREATED, by=_user(by))
    return round_


def _user(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _locked_round(round_: AssessmentRound, expected_version: int | None = None) -> AssessmentRound:
    """The round locked, checked against the version the unit lead's page showed: a move
    (moderation, publish, reopen) decided on a page someone else has since overtaken is
    refused with ConflictError rather than undoing their move."""
    return locked(AssessmentRound, round_.pk, expected_version)


@transaction.atomic
def round_to_moderation(
    *, round_: AssessmentRound, by: Any, expected_version: int | None = None
) -> AssessmentRound:
    current = _locked_round(round_, expected_version)
    ensure_editable(current)
    if current.status != RoundStatus.MODERATION:
        current.status = RoundStatus.MODERATION
        current.version += 1
        attribute(current, by)
        current.save(update_fields=["status", "version"])
        RoundEvent.objects.create(round=current, kind=RoundEvent.Kind.MODERATION, by=_user(by))
    return current


def publish_blockers(round_: AssessmentRound) -> list[tuple[Priority, str]]:
    """The priorities in scope without an agreed assessment, and what each lacks."""
    status_by_priority = dict(
        Assessment.objects.filter(round=round_).values_list("priority_id", "status")
    )
    missing = []
    for priority in round_.priorities.order_by("code"):
        status = status_by_priority.get(priority.pk)
        if status is None:
            missing.append((priority, "not started"))
        elif status != AssessmentStatus.AGREED:
            missing.append((priority, f"{AssessmentStatus(status).label.lower()}, not agreed"))
    return missing


@transaction.atomic
def round_publish(
    *, round_: AssessmentRound, by: Any, expected_version: int | None = None
) -> AssessmentRound:
    current = _locked_round(round_, expected_version)
    if current.status == RoundStatus.PUBLISHED:
        raise ValidationError(ALREADY_PUBLISHED)
    missing = publish_blockers(current)
    if missing:
        raise PublishRefused(missing)
    current.status = RoundStatus.PUBLISHED
    current.published_at = timezone.now()
    current.published_by = _user(by)
    current.version += 1
    attribute(current, by)
    current.save(update_fields=["status", "published_at", "published_by", "version"])
    RoundEvent.objects.create(round=current, kind=RoundEvent.Kind.PUBLISHED, by=_user(by))
    transaction.on_commit(lambda: _round_published(current.pk))
    return current


def _round_published(round_id: int) -> None:
    """Queue the round's delivery reports, PDF and Word, for the whole portfolio and for each
    department leading a priority in the round. A report already being built (or one with
    nothing to report) is skipped: publishing never fails for want of a document."""
    from deliveryunit import access, documents
    from deliveryunit.models import DocumentKind

    from .documents import DeliveryReportBuilder

    department_ids = sorted(
        set(
            Priority.objects.filter(assessment_rounds=round_id).values_list(
                "lead_department_id", flat=True
            )
        )
    )
    for department in ["", *department_ids]:
        for fmt in DeliveryReportBuilder.formats:
            try:
                documents.document_request(
                    kind=DocumentKind.DELIVERY_REPORT,
                    format=fmt,
                    subject={"round": round_id, "department": department},
                    by=access.SYSTEM,
                )
            except documents.DocumentRefused:
                continue


@transaction.atomic
def round_reopen(
    *, round_: AssessmentRound, by: Any, reason: str, expected_version: int | None = None
) -> AssessmentRound:
    if not reason.strip():
        raise ValidationError({"reason": REOPEN_REASON_REQUIRED})
    current = _locked_round(round_, expected_version)
    if current.status != RoundStatus.PUBLISHED:
        raise ValidationError(NOT_PUBLISHED)
    current.status = RoundStatus.MODERATION
    current.version += 1
    attribute(current, by)
    current.save(update_fields=["status", "version"])
    RoundEvent.objects.create(
        round=current, kind=RoundEvent.Kind.REOPENED, by=_user(by), reason=reason.strip()
    )
    return current


# --- assessments --------------------------------------------------------------------------


def performance_snapshot(priority: Priority, as_at: date) -> list[dict[str, Any]]:
    """Each measure of the priority against its current trajectory as at `as_at`."""
    rows = []
    # The figures as they were known on the date, judged against the trajectory agreed by then
    # (not a later re-profile).
    for series in measure_series_for_priorities([priority], known_at=as_at).values():
        result = perf.assess(series, as_at=as_at)
        rows.append(
            {
                "measure": series.name,
                "unit": series.unit,
                "period": result.latest_period.isoformat() if result.latest_period else None,
                "actual": result.latest_value,
                "planned": result.planned_value,
                "status": result.status,
                "status_label": result.status_label,
            }
        )
    return rows


@transaction.atomic
def assessment_start(*, round_: AssessmentRound, priority: Priority, by: Any) -> Assessment:
    """The assessment of `priority` in `round_`, created (with its performance snapshot as at
    the round date) if it does not exist yet."""
    existing = Assessment.objects.filter(round=round_, priority=priority).first()
    if existing:
        return existing
    ensure_editable(round_)
    if not round_.priorities.filter(pk=priority.pk).exists():
        raise ValidationError(NOT_IN_ROUND)
    assessment = Assessment(
        round=round_,
        priority=priority,
        author=_user(by),
        performance_snapshot=performance_snapshot(priority, round_.date),
    )
    attribute(assessment, by)
    assessment.save()
    return assessment


def _locked_assessment(assessment: Assessment, expected_version: int | None) -> Assessment:
    current = Assessment.objects.select_for_update().select_related("round").get(pk=assessment.pk)
    ensure_editable(current.round)
    check_version(current, expected_version)
    return current


def _validate_ratings(values: dict[str, str]) -> None:
    codes = scale_codes()
    errors = {}
    for field, value in values.items():
        if value and value not in codes.get(field, set()):
            errors[field] = UNKNOWN_RATING.format(value=value, dimension=field)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def assessment_save(
    *,
    assessment: Assessment,
    by: Any,
    expected_version: int | None,
    judgements: dict[str, str] | None = None,
    texts: dict[str, str] | None = None,
    area_ratings: dict[int, tuple[str, str]] | None = None,
) -> Assessment:
    """Save the editor's fields. Changing an agreed assessment sends it back to submitted, so
    the moderator sees it again."""
    current = _locked_assessment(assessment, expected_version)
    judgements = {k: v for k, v in (judgements or {}).items() if k in JUDGEMENT_FIELDS}
    texts = {k: v for k, v in (texts or {}).items() if k in TEXT_FIELDS}
    _validate_ratings(judgements)
    changed = False
    for name, value in {**judgements, **texts}.items():
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed = True
    if area_ratings:
        changed |= _save_area_ratings(current, area_ratings, by)
    if changed:
        if current.status == AssessmentStatus.AGREED:
            current.status = AssessmentStatus.SUBMITTED
        current.version += 1
        current.full_clean()
        attribute(current, by)
        current.save()
    return current


@transaction.atomic
def assessment_start_and_save(
    *,
    round_: AssessmentRound,
    priority: Priority,
    by: Any,
    expected_version: int,
    judgements: dict[str, str],
    texts: dict[str, str],
    area_ratings: dict[int, tuple[str, str]],
) -> Assessment:
    """The editor's save: the first one starts the assessment, in the same transaction, so a
    save the service refuses leaves no empty assessment behind. An editor opened before anyone
    started the assessment carries version 0, so if someone else started it since, that is a
    conflict like any other."""
    assessment = Assessment.objects.filter(round=round_, priority=priority).first()
    if assessment is None:
        assessment = assessment_start(round_=round_, priority=priority, by=by)
        expected_version = assessment.version
    return assessment_save(
        assessment=assessment,
        by=by,
        expected_version=expected_version,
        judgements=judgements,
        texts=texts,
        area_ratings=area_ratings,
    )


def _save_area_ratings(
    assessment: Assessment, ratings: dict[int, tuple[str, str]], by: Any
) -> bool:
    from .models import Area

    areas = {a.pk: a for a in Area.objects.select_related("dimension").filter(pk__in=ratings)}
    codes = scale_codes()
    existing = {r.area_id: r for r in assessment.area_ratings.all()}
    changed = False
    errors = {}
    for area_id, (rating, evidence) in ratings.items():
        area = areas.get(area_id)
        if area is None:
            continue
        if rating and rating not in codes.get(area.dimension.code, set()):
            errors[f"area-{area_id}"] = UNKNOWN_RATING.format(
                value=rating, dimension=area.dimension.code
            )
            continue
        row = existing.get(area_id)
        if row is None:
            if not rating and not evidence.strip():
                continue
            row = AreaRating(assessment=assessment, area=area)
        elif row.rating == rating and row.evidence == evidence:
            continue
        row.rating, row.evidence = rating, evidence
        attribute(row, by)
        row.save()
        changed = True
    if errors:
        raise ValidationError(errors)
    return changed


@transaction.atomic
def assessment_submit(
    *, assessment: Assessment, by: Any, expected_version: int | None
) -> Assessment:
    current = _locked_assessment(assessment, expected_version)
    if not all(getattr(current, f) for f in JUDGEMENT_FIELDS) or not (
        current.likelihood_rationale.strip()
    ):
        raise ValidationError(SUBMIT_INCOMPLETE)
    current.status = AssessmentStatus.SUBMITTED
    if current.author_id is None:
        current.author = _user(by)
    current.version += 1
    attribute(current, by)
    current.save()
    return current


@transaction.atomic
def assessment_agree(
    *, assessment: Assessment, by: Any, expected_version: int | None
) -> Assessment:
    current = _locked_assessment(assessment, expected_version)
    if current.status != AssessmentStatus.SUBMITTED:
        raise ValidationError(AGREE_NOT_SUBMITTED)
    current.status = AssessmentStatus.AGREED
    current.moderator = _user(by)
    current.version += 1
    attribute(current, by)
    current.save()
    return current


@transaction.atomic
def assessment_return(
    *, assessment: Assessment, by: Any, expected_version: int | None
) -> Assessment:
    """Moderation sends an assessment back to its author as a draft."""
    current = _locked_assessment(assessment, expected_version)
    current.status = AssessmentStatus.DRAFT
    current.version += 1
    attribute(current, by)
    current.save()
    return current


@transaction.atomic
def assessment_refresh_snapshot(*, assessment: Assessment, by: Any) -> Assessment:
    current = _locked_assessment(assessment, None)
    current.performance_snapshot = performance_snapshot(current.priority, current.round.date)
    current.version += 1
    attribute(current, by)
    current.save()
    return current


# --- key challenges -----------------------------------------------------------------------
# A write to a key challenge locks its assessment first, then the challenge itself (always in
# that order, so two writes never wait on each other), and checks the challenge's own version.


def _bump(assessment: Assessment, by: Any) -> None:
    """Key challenges are part of the assessment: a change to them is a new version of it, and
    sends an agreed assessment back to submitted so the moderator sees it again."""
    assessment.version += 1
    if assessment.status == AssessmentStatus.AGREED:
        assessment.status = AssessmentStatus.SUBMITTED
    attribute(assessment, by)
    assessment.save(update_fields=["version", "status"])


@transaction.atomic
def key_challenge_add(
    *, assessment: Assessment, by: Any, title: str, progress: str = ""
) -> KeyChallenge:
    current = _locked_assessment(assessment, None)
    if not title.strip():
        raise ValidationError({"title": CHALLENGE_TITLE_REQUIRED})
    last = current.key_challenges.aggregate(n=Max("order"))["n"] or 0
    challenge = KeyChallenge(
        assessment=current, order=last + 1, title=title.strip(), progress=progress
    )
    challenge.full_clean()
    attribute(challenge, by)
    challenge.save()
    _bump(current, by)
    return challenge


@transaction.atomic
def key_challenge_update(
    *, challenge: KeyChallenge, by: Any, expected_version: int | None, title: str, progress: str
) -> KeyChallenge:
    """Change a key challenge's title and progress note, if it is still at `expected_version`."""
    current = _locked_assessment(challenge.assessment, None)
    if not title.strip():
        raise ValidationError({"title": CHALLENGE_TITLE_REQUIRED})
    challenge = locked(KeyChallenge, challenge.pk, expected_version)
    challenge.title, challenge.progress = title.strip(), progress
    bump(challenge, by, "title", "progress")
    _bump(current, by)
    return challenge


@transaction.atomic
def key_challenge_remove(*, challenge: KeyChallenge, by: Any, expected_version: int | None) -> None:
    """Remove a key challenge, unless someone changed it since `expected_version`."""
    current = _locked_assessment(challenge.assessment, None)
    challenge = locked(KeyChallenge, challenge.pk, expected_version)
    attribute(challenge, by)
    challenge.delete()
    _renumber(current, by)
    _bump(current, by)


@transaction.atomic
def key_challenge_move(
    *, challenge: KeyChallenge, by: Any, expected_version: int | None, offset: int
) -> None:
    """Move up (offset -1) or down (+1) the ordered list. The order is the list's, not the
    challenge's own, so a move does not change the challenge's version."""
    current = _locked_assessment(challenge.assessment, None)
    locked(KeyChallenge, challenge.pk, expected_version)
    ordered = list(current.key_challenges.order_by("order", "pk"))
    index = next(i for i, c in enumerate(ordered) if c.pk == challenge.pk)
    target = index + offset
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
        for position, item in enumerate(ordered, start=1):
            if item.order != position:
                item.order = position
                attribute(item, by)
                item.save(update_fields=["order"])
        _bump(current, by)


def _renumber(assessment: Assessment, by: Any) -> None:
    for position, item in enumerate(assessment.key_challenges.order_by("order", "pk"), start=1):
        if item.order != position:
            item.order = position
            attribute(item, by)
            item.save(update_fields=["order"])
