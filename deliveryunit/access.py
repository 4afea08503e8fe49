"""Roles and department scoping: the one place that decides who may see and change what.

Every view, export and API call gets its objects through `scoped()` / `get_for_user()` and its
permission through the `can_*` predicates below. A model takes part in scoping by naming, in
`DEPARTMENT_PATHS`, the lookups from it to a Department (for example `("lead_department",
"delivery_chain")`); a user in a department sees an object when any path reaches their
department. Objects out of scope are 404, never 403, so a user never learns they exist.

Work the workbench does on its own account (the monthly note on its schedule, a round's reports
when it is published) is done as `SYSTEM`, a principal whose rights are decided here like any
user's. Nothing is done as "no user": None has no rights at all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import Role

M = TypeVar("M", bound=Model)

EDITOR_ROLES = frozenset({Role.ANALYST, Role.UNIT_LEAD})

NOT_PERMITTED = "Your role does not allow this."

# Not one of the users' roles (Role): no one signs in as the system.
SYSTEM_ROLE = "system"


class SystemPrincipal:
    """The workbench acting on its own: scheduled builds and builds that follow an event. It is
    not a user, so nothing it does is attributed to a person (its pk is None, which is how the
    services record "no user"), and it may do only what the predicates below grant
    SYSTEM_ROLE: read every department, and see published assessment rounds only. It is no
    editor: it changes nothing through the pages."""

    pk = None
    department_id = None
    is_authenticated = True
    role = SYSTEM_ROLE

    def __str__(self) -> str:
        return "the Delivery Unit workbench"

    def __repr__(self) -> str:
        return "access.SYSTEM"


SYSTEM = SystemPrincipal()


def role_of(user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return user.role


def is_editor(user: Any) -> bool:
    """Analysts and the unit lead create and edit everything."""
    return role_of(user) in EDITOR_ROLES


def is_unit_lead(user: Any) -> bool:
    return role_of(user) == Role.UNIT_LEAD


def sees_all_departments(user: Any) -> bool:
    role = role_of(user)
    if role in EDITOR_ROLES or role == SYSTEM_ROLE:
        return True
    # A minister with no department set (the Prime Minister, say) reads the whole portfolio.
    return role == Role.MINISTER and user.department_id is None


def department_id_of(user: Any) -> int | None:
    return getattr(user, "department_id", None)


def scoped[M: Model](queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """The part of `queryset` that `user` may see: in their departments and, for a model that
    belongs to an assessment round (it names the lookup to it in `ROUND_PATH`), in a round
    they may see (`visible_rounds`)."""
    if role_of(user) is None:
        return queryset.none()
    round_path: str | None = getattr(queryset.model, "ROUND_PATH", None)
    if round_path is not None:
        queryset = queryset.filter(visible_rounds(user, via=round_path))
    if sees_all_departments(user):
        return queryset
    department_id = department_id_of(user)
    if department_id is None:
        return queryset.none()
    paths: tuple[str, ...] = queryset.model.DEPARTMENT_PATHS  # type: ignore[attr-defined]
    condition = Q()
    for path in paths:
        condition |= Q(**{path: department_id})
    # A subquery rather than .distinct(): paths through many-to-many relations would
    # otherwise repeat rows, and distinct() interferes with ordering and aggregation.
    visible = queryset.model._default_manager.filter(condition).values("pk")
    return queryset.filter(pk__in=visible)


def in_scope(obj: Model, user: Any) -> bool:
    return scoped(type(obj)._default_manager.filter(pk=obj.pk), user).exists()


def get_for_user[M: Model](queryset: QuerySet[M], user: Any, **lookup: Any) -> M:
    """One object the user may see, or 404."""
    try:
        return scoped(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# The filter below names AssessmentRound's status field and its published value rather than
# importing the assessments app: the base imports no domain app (tests pin the two together).
ROUND_PUBLISHED = Q(status="published")


def visible_rounds(user: Any, *, via: str = "") -> Q:
    """Which assessment rounds `user` may see, as a filter on AssessmentRound, or with `via`
    (e.g. "round") on a model that belongs to a round. Draft and moderated rounds are the
    unit's working papers: editors see every round, every other principal (the system
    included) the published ones only, and no one signed in none. `scoped()` applies it to
    every model that names its ROUND_PATH, so an assessment in a round a user may not see is
    out of scope (404) like one outside their department."""
    prefix = f"{via}__" if via else ""
    role = role_of(user)
    if role is None:
        return Q(**{f"{prefix}pk__in": []})
    if role in EDITOR_ROLES:
        return Q()
    ((field, value),) = ROUND_PUBLISHED.children  # type: ignore[misc]
    return Q(**{f"{prefix}{field}": value})


# Departmental plans (the plans app), likewise named by field: a version is published or a
# draft.
PLAN_VERSION_PUBLISHED = Q(status="published")


def visible_plan_versions(user: Any) -> Q:
    """Which versions of departmental plans `user` may see, as a filter on PlanVersion (the
    department comes from `scoped`). A draft is the unit's working paper, as a draft round is:
    editors see every version, everyone else the published ones, and no one signed in none."""
    role = role_of(user)
    if role is None:
        return Q(pk__in=[])
    if role in EDITOR_ROLES:
        return Q()
    return PLAN_VERSION_PUBLISHED


def can_submit_data_for(user: Any, department_ids: set[int]) -> bool:
    """Editors enter any data; officials submit data for their own department's measures."""
    if is_editor(user):
        return True
    return role_of(user) == Role.OFFICIAL and department_id_of(user) in department_ids


def can_update_owned(user: Any, owner_user_id: int | None) -> bool:
    """Editors update any action they can see; an official only the ones they own."""
    if is_editor(user):
        return True
    return role_of(user) == Role.OFFICIAL and owner_user_id == getattr(user, "pk", None)


def can_manage_tokens_of(user: Any, owner: Any) -> bool:
    """API tokens: each user makes and revokes their own; a unit lead anyone's."""
    if role_of(user) is None or role_of(user) == SYSTEM_ROLE:
        return False
    return is_unit_lead(user) or getattr(owner, "pk", None) == getattr(user, "pk", None)


def check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(NOT_PERMITTED)


F = TypeVar("F", bound=Callable[..., Any])


def editor_required[F: Callable[..., Any]](view: F) -> F:
    """For views that only analysts and the unit lead may use at all."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):  # type: ignore[no-untyped-def]
        check(is_editor(request.user))
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def unit_lead_required[F: Callable[..., Any]](view: F) -> F:
    @wraps(view)
    def wrapped(request, *args, **kwargs):  # type: ignore[no-untyped-def]
        check(is_unit_lead(request.user))
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


# --- importing data: who may import what ----------------------------------------------------
#
# Officials submit data only for what their department *leads*, not for everything they can
# see: a model that takes imports names the lookup to its lead department (a foreign key) first
# in its DEPARTMENT_PATHS (a measure: "priority__lead_department"), so the rule reads it from
# there without knowing the model.

IMPORT_ACTUALS = "actuals"
IMPORT_TRAJECTORY = "trajectory"


def _lead_path(model: type[Model]) -> str:
    return model.DEPARTMENT_PATHS[0]  # type: ignore[attr-defined]


def _lead_department_id(obj: Model) -> int | None:
    *hops, last = _lead_path(type(obj)).split("__")
    target: Any = obj
    for hop in hops:
        target = getattr(target, hop)
    return getattr(target, f"{last}_id")


def import_kinds(user: Any, obj: Model) -> list[str]:
    """What `user` may import into `obj` (a measure): editors actual data and trajectories; an
    official actual data when their department leads it (being in its delivery chain is not
    enough); anyone else nothing. Every role that may import also sees the object."""
    if is_editor(user):
        return [IMPORT_ACTUALS, IMPORT_TRAJECTORY]
    lead = _lead_department_id(obj)
    if lead is not None and can_submit_data_for(user, {lead}):
        return [IMPORT_ACTUALS]
    return []


def may_import(user: Any) -> bool:
    """Whether `user` may import at all (the portfolio-wide import of actual data): editors, and
    officials with a department."""
    department_id = department_id_of(user)
    return is_editor(user) or can_submit_data_for(user, {department_id} if department_id else set())


def importable[M: Model](queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """The part of `queryset` that `user` may import actual data into: what `import_kinds`
    allows, as a queryset."""
    visible = scoped(queryset, user)
    if is_editor(user):
        return visible
    department_id = department_id_of(user)
    if department_id is None or not can_submit_data_for(user, {department_id}):
        return visible.none()
    return visible.filter(**{_lead_path(queryset.model): department_id})
