import factory
from django.contrib.auth.hashers import make_password

from deliveryunit.models import Department, Role, User

PASSWORD = "correct-horse-battery-staple"
_PASSWORD_HASH = make_password(PASSWORD)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"D{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    role = Role.ANALYST
    password = _PASSWORD_HASH


# --- priorities ---------------------------------------------------------------------------
from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402

from priorities import services  # noqa: E402
from priorities.models import (  # noqa: E402
    Actual,
    Direction,
    Frequency,
    Measure,
    Milestone,
    Priority,
    PriorityKind,
)


class PriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Priority

    code = factory.Sequence(lambda n: f"P{n:03d}")
    title = factory.Sequence(lambda n: f"Priority {n}")
    target_statement = "Deliver the target."
    lead_department = factory.SubFactory(DepartmentFactory)
    kind = PriorityKind.PSA
    start = date(2020, 1, 1)
    deadline = date(2024, 12, 31)


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    priority = factory.SubFactory(PriorityFactory)
    name = factory.Sequence(lambda n: f"Measure {n}")
    unit = "%"
    direction = Direction.HIGHER
    frequency = Frequency.MONTHLY
    target_value = Decimal("95")
    target_date = date(2024, 12, 1)
    tolerance = Decimal("1")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Written around the services, so the stored performance is refreshed as they would.
        measure = super()._create(model_class, *args, **kwargs)
        services.performance_refresh(measure_ids=[measure.pk])
        return measure


class ActualFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actual

    measure = factory.SubFactory(MeasureFactory)
    period = date(2023, 1, 1)
    value = Decimal("90")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        actual = super()._create(model_class, *args, **kwargs)
        services.performance_refresh(measure_ids=[actual.measure_id])
        return actual


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    priority = factory.SubFactory(PriorityFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due = date(2023, 6, 1)


def add_trajectory(measure, points, *, label="Plan", by=None, reason="", agreed_on=None):
    """A trajectory version through the service; points as [(date, number), ...]."""
    return services.trajectory_create(
        measure=measure,
        by=by,
        label=label,
        agreed_on=agreed_on or date(2020, 1, 1),
        reason=reason,
        points=[(period, Decimal(str(value))) for period, value in points],
    )
