"""The assessment framework as data: five dimensions, their scales and the areas to consider.

Written in the unit's own words. The unit lead edits the wording afterwards in the app; this
migration only loads the starting text (and removes it again when reversed).
"""

from django.db import migrations

L, M, H, VH = "L", "M", "H", "VH"

SCALES = {
    "rag": [
        ("R", "Red", "red"),
        ("AR", "Amber-Red", "amber-red"),
        ("AG", "Amber-Green", "amber-green"),
        ("G", "Green", "green"),
    ],
}

DIMENSIONS = [
    {
        "code": "challenge",
        "name": "Degree of challenge",
        "short_name": "Challenge",
        "description": "How hard the target is to achieve, whatever the quality of the plan.",
        "options": [
            (L, "Low", "neutral-1", "The target is within reach on current plans and trends."),
            (M, "Medium", "neutral-2", "Achievable, with real but manageable difficulties."),
            (H, "High", "neutral-3", "Demanding: several serious difficulties must be overcome."),
            (VH, "Very high", "neutral-4", "Exceptionally demanding on every count."),
        ],
        "areas": [
            ("", "Historic performance",
             "Does the target need a sharp step change, or a reversal of the current trend? How "
             "far is performance from the target now, and has it kept to plan lately?",
             "Performance must reverse a long-standing trend, and quickly.",
             "The current trend already leads to the target, or the change needed is modest "
             "and spread over a long time."),
            ("", "Constraints",
             "Do money, staff, technology, law or politics make the target especially hard to "
             "reach?",
             "Severe constraints with no clear way round them, likely to hold delivery back.",
             "The constraints are known and there are ways round them."),
            ("", "Organisational change",
             "Does delivery depend on changing organisations, now or later?",
             "Large-scale reorganisation is needed and faces serious obstacles.",
             "No significant organisational change is needed."),
            ("", "Delivery chain",
             "How long and varied is the chain of organisations that must act: the department, "
             "arm's-length bodies, local services, private and voluntary providers?",
             "Many different agencies must act together and the chain is hard to steer.",
             "A short chain, under direct management."),
            ("", "Interdependencies",
             "How far does success rest on other targets, or on several departments working "
             "together, and can those links be managed?",
             "Several critical dependencies on other programmes and departments.",
             "Few dependencies, well understood and managed."),
            ("", "Other risks",
             "What other risks stand between the plan and the target?",
             "Many high-impact risks that are hard to control.",
             "Risk is low overall; the larger risks have owners and working mitigations."),
        ],
    },
    {
        "code": "planning",
        "name": "Quality of planning, implementation and performance management",
        "short_name": "Planning",
        "description": "Whether the plan, and the way it is run, will produce the results needed.",
        "options": [
            ("R", "Red", "red", "Serious weaknesses across planning and performance management."),
            ("AR", "Amber-Red", "amber-red", "Significant gaps that need substantial work."),
            ("AG", "Amber-Green", "amber-green", "Sound in most respects, with gaps to close."),
            ("G", "Green", "green", "Strong: a credible plan, well run."),
        ],
        "areas": [
            ("1. Understanding the problem", "The goal and the strategy",
             "Is the strategy clear, and does the target express the policy aim precisely? Do "
             "those responsible grasp the scale and pace of change needed, and can they see the "
             "line from today's work to the end goal?",
             "The target and the policy pull in different directions; the scale and urgency of "
             "the change are not appreciated.",
             "A clear target that follows from the policy aims, with the scale and urgency of "
             "change understood and communicated."),
            ("1. Understanding the problem", "Causation",
             "Are the drivers of performance understood? Have the levers that move them, and "
             "how much each can move them, been identified, and the gaps found?",
             "The drivers and levers are unclear and there is no evidence base; no sense that new "
             "levers are needed.",
             "Sound analysis of drivers and levers, with good evidence of their likely impact, "
             "used to shape the plan."),
            ("1. Understanding the problem", "What works",
             "Has evidence of what works been found and used, and are gaps in that knowledge "
             "being filled?",
             "No look at past experience or at evidence of what makes a difference.",
             "A sound, evidence-based understanding of what will make a difference."),
            ("1. Understanding the problem", "Delivery chain and stakeholders",
             "Is the delivery chain mapped? Are the interests and influence of key stakeholders "
             "understood, is communication with them clear, and are end users involved from the "
             "start?",
             "Little idea of who will actually drive delivery or how to engage them; weak "
             "commitment along the chain.",
             "The delivery chain is well understood, there is a thought-through stakeholder "
             "strategy, and end users are involved from the outset."),
            ("2. Taking action", "Action plan",
             "Have the actions that will drive performance been identified, and are they enough "
             "to meet the target? Are priorities, timescales and responsibilities clear?",
             "No action plan, no priorities, and no link from actions to the drivers of "
             "performance.",
             "A convincing, prioritised set of actions with clear timescales and owners."),
            ("2. Taking action", "Risk management",
             "Are the main risks to delivery and their impact understood? Are countermeasures "
             "planned and reviewed, and is there a contingency plan?",
             "Risks have not been identified, or are not being managed.",
             "Key risks identified, their impact assessed, and countermeasures in place and "
             "working."),
            ("3. Measuring progress", "Measures or indicators",
             "Have measures been chosen that will show quickly and reliably whether the actions "
             "are working, including lead indicators?",
             "No relevant measures, or too little data to inform delivery.",
             "Well-chosen, timely measures that allow progress to be checked often enough."),
            ("3. Measuring progress", "Trajectories",
             "Does each measure have a credible trajectory built from the planned actions, with "
             "regional or local trajectories where they help?",
             "No trajectories, or trajectories not based on any analysis.",
             "Each measure has a well-considered trajectory, clearly linked to the key actions "
             "and milestones, and progress against it is tracked."),
            ("3. Measuring progress", "Milestones",
             "Have meaningful milestones been set for inputs, outputs and outcomes, often "
             "enough to show whether progress is on course?",
             "No milestones, or many that do not matter.",
             "Milestones that matter, at sensible intervals."),
            ("4. Managing performance", "Implementation",
             "Are the actions being carried out systematically and on time? Are the milestones "
             "being met?",
             "Implementation is haphazard and milestones are slipping.",
             "Systematic implementation; milestones achieved."),
            ("4. Managing performance", "Evaluating actions",
             "Are actions evaluated to find out whether they are having the intended effect?",
             "No evaluation, and none planned.",
             "Well-designed evaluations that show clearly what is working."),
            ("4. Managing performance", "Reporting performance",
             "Are governance and reporting arrangements sound? Are programme and project "
             "management used well? Is the performance information right, and is it used?",
             "Unclear governance, little programme management, and poor performance reports "
             "that nobody uses.",
             "Clear governance, efficient systems that are reviewed, and good performance "
             "reports that senior managers use to act in time."),
            ("4. Managing performance", "Acting on performance information",
             "When problems appear, is remedial action identified and taken promptly, and is it "
             "enough?",
             "Problems are noticed late, and the response is too little or too late.",
             "Problems are spotted early and the right action follows quickly."),
        ],
    },
    {
        "code": "capacity",
        "name": "Capacity to drive progress",
        "short_name": "Capacity",
        "description": "Whether the people, skills, resources and culture are there to deliver.",
        "options": [
            ("R", "Red", "red", "Capacity is seriously lacking and threatens delivery."),
            ("AR", "Amber-Red", "amber-red", "Important gaps in capacity need urgent attention."),
            ("AG", "Amber-Green", "amber-green", "Capacity is mostly in place, with some gaps."),
            ("G", "Green", "green", "Strong capacity to drive delivery."),
        ],
        "areas": [
            ("", "Leadership",
             "Do leaders at the top visibly own the target, with clear roles? Do ministers give "
             "clear direction? Do leaders spend enough of their time on delivery, with the "
             "support they need?",
             "Leaders lack drive, dwell on problems rather than solutions, and give mixed "
             "messages; direction from ministers is unclear.",
             "Leaders set clear expectations, challenge poor performance, own the plan and drive "
             "it, and develop their teams."),
            ("", "Experience and skills",
             "Are the skills and experience needed available, including in programme and "
             "project management?",
             "Major skills gaps likely to hold delivery back, and no urgency about closing them.",
             "The right mix of skills, and experience of running similar programmes."),
            ("", "Resources",
             "Are there enough people, spending enough of their time on the right priorities? "
             "Is the money allocated to the priorities, and has the investment been made in "
             "buildings, equipment and IT where needed?",
             "No assessment of what is needed; staff and money not matched to priorities.",
             "The resources needed are in place, focused on the priorities, and reviewed "
             "regularly."),
            ("", "Engagement",
             "Do the people along the delivery chain understand their part in meeting the "
             "target? Are the right levers used on them? Are users consulted, and is "
             "communication effective?",
             "Little use of levers on the agencies and front line that deliver; little "
             "communication or feedback along the chain.",
             "A good grasp of how the chain is performing, effective communication, well-used "
             "levers and clear measures of user satisfaction."),
            ("", "Culture",
             "Are people ambitious to improve and confident it can be done? Are responsibilities "
             "clear? Is performance reviewed, challenged and learned from? Is good practice "
             "spread and success celebrated?",
             "Little belief that progress is possible, a focus on obstacles, and no learning "
             "from mistakes.",
             "Ambitious, clear about who does what, learning from experience, and recognising "
             "success."),
        ],
    },
    {
        "code": "stage",
        "name": "Stage of delivery",
        "short_name": "Stage",
        "description": "How far delivery has come, from policy design to lasting change.",
        "options": [
            ("1", "Stage 1: policy development", "stage-1",
             "Policy is still being designed and the main implementation steps have not "
             "started, though pilots and communication of the aims may be under way."),
            ("2", "Stage 2: early implementation", "stage-2",
             "The key policies are in place and implementation has begun. The aims are "
             "understood along the delivery chain and the approach is being adjusted as "
             "experience builds."),
            ("3", "Stage 3: embedding change", "stage-3",
             "Implementation now reaches the whole of the intended audience. The work is to "
             "deepen its impact, spread what works and close local gaps in quality."),
            ("4", "Stage 4: irreversible progress", "stage-4",
             "Implementation is complete, and progress would continue without attention from "
             "the centre."),
        ],
        "areas": [],
    },
    {
        "code": "likelihood",
        "name": "Likelihood of delivery",
        "short_name": "Likelihood",
        "description": "The overall judgement, drawing on the four above and recent performance.",
        "options": [
            ("R", "Red", "red", "Highly problematic: needs urgent and decisive action."),
            ("AR", "Amber-Red", "amber-red",
             "Problematic: needs substantial attention, and some aspects need action now."),
            ("AG", "Amber-Green", "amber-green",
             "Mixed: some aspects need substantial attention, others are good."),
            ("G", "Green", "green",
             "Good: needs refinement and systematic implementation."),
        ],
        "areas": [],
    },
]


def load(apps, schema_editor):
    Dimension = apps.get_model("assessments", "Dimension")
    RatingOption = apps.get_model("assessments", "RatingOption")
    Area = apps.get_model("assessments", "Area")
    for order, spec in enumerate(DIMENSIONS, start=1):
        dimension, _ = Dimension.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "short_name": spec["short_name"],
                "description": spec["description"],
                "order": order,
            },
        )
        for n, (code, label, colour, meaning) in enumerate(spec["options"], start=1):
            RatingOption.objects.update_or_create(
                dimension=dimension,
                code=code,
                defaults={"label": label, "colour": colour, "meaning": meaning, "order": n},
            )
        for n, (group, name, question, worst, best) in enumerate(spec["areas"], start=1):
            Area.objects.update_or_create(
                dimension=dimension,
                name=name,
                defaults={
                    "group": group,
                    "question": question,
                    "worst_case": worst,
                    "best_case": best,
                    "order": n,
                },
            )


def unload(apps, schema_editor):
    apps.get_model("assessments", "Dimension").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
