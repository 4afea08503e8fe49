"""The priorities already entered become objectives of their departments' plans.

Each priority of kind strategic, operational or corporate objective gets an objective of the
same group in the draft version of its lead department's plan for its period, linked to the
priority and to each of its measures (not public: only the unit marks figures public). The
plan for its period is the department's latest plan whose years overlap the priority's (start
year to deadline year); where there is none, a plan for the priority's own years is made.
plans.services.objectives_adopt_priorities applies the same rule to priorities entered later.

Nothing in priorities is changed, so nothing entered is lost either way. Reversing removes the
objectives that carry a priority, and the draft versions and plans left empty.
"""

from datetime import date

from django.db import migrations

GROUPS = {"strategic": "SO", "operational": "OO", "corporate": "CO"}
NO_OWNER = "Not yet named"


def _years(priority, fallback_year):
    start = priority.start.year if priority.start else None
    end = priority.deadline.year if priority.deadline else None
    start = start or end or fallback_year
    end = end or start
    return min(start, end), max(start, end)


def forwards(apps, schema_editor):
    Priority = apps.get_model("priorities", "Priority")
    DepartmentalPlan = apps.get_model("plans", "DepartmentalPlan")
    PlanVersion = apps.get_model("plans", "PlanVersion")
    Objective = apps.get_model("plans", "Objective")
    ObjectiveMeasure = apps.get_model("plans", "ObjectiveMeasure")
    this_year = date.today().year  # noqa: DTZ011 - only a fallback for a priority with no dates

    priorities = Priority.objects.filter(kind__in=list(GROUPS)).select_related("lead_department")
    ordered = sorted(priorities, key=lambda p: (_years(p, this_year), p.code))
    for priority in ordered:
        if Objective.objects.filter(priority=priority).exists():
            continue
        first, last = _years(priority, this_year)
        plan = (
            DepartmentalPlan.objects.filter(
                department=priority.lead_department,
                period_start__lte=last,
                period_end__gte=first,
            )
            .order_by("-period_start", "-pk")
            .first()
        )
        if plan is None:
            plan = DepartmentalPlan.objects.create(
                department=priority.lead_department,
                period_start=first,
                period_end=last,
                title=f"{priority.lead_department.name} Single Departmental Plan {first} to {last}",
            )
        version = PlanVersion.objects.filter(plan=plan, status="draft").first()
        if version is None:
            latest = PlanVersion.objects.filter(plan=plan).order_by("-number").first()
            version = PlanVersion.objects.create(
                plan=plan, number=(latest.number + 1) if latest else 1, status="draft"
            )
        prefix = GROUPS[priority.kind]
        taken = set(Objective.objects.filter(plan_version=version).values_list("code", flat=True))
        number = 1
        while f"{prefix}{number}" in taken:
            number += 1
        objective = Objective.objects.create(
            plan_version=version,
            group=priority.kind,
            code=f"{prefix}{number}",
            title=priority.title[:300],
            target=priority.target_statement or priority.title,
            owner=priority.senior_responsible_owner or NO_OWNER,
            deadline=priority.deadline or date(last, 12, 31),
            priority=priority,
            order=len(taken) + 1,
        )
        for order, measure in enumerate(priority.measures.order_by("pk"), start=1):
            ObjectiveMeasure.objects.create(objective=objective, measure=measure, order=order)


def backwards(apps, schema_editor):
    DepartmentalPlan = apps.get_model("plans", "DepartmentalPlan")
    PlanVersion = apps.get_model("plans", "PlanVersion")
    Objective = apps.get_model("plans", "Objective")
    ObjectiveMeasure = apps.get_model("plans", "ObjectiveMeasure")

    adopted = Objective.objects.filter(priority__isnull=False, plan_version__status="draft")
    ObjectiveMeasure.objects.filter(objective__in=adopted).delete()
    adopted.delete()
    PlanVersion.objects.filter(status="draft", objectives__isnull=True).delete()
    DepartmentalPlan.objects.filter(versions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
