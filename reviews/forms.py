"""Forms for priority reviews and the parts of their workspace.

Forms only validate and carry values: every write goes through reviews/services.py (or, for the
delivery chain, priorities/services.py). Forms that change an existing row carry its version,
required, which the service checks under the row's lock. Each form of the workspace takes the
review it belongs to (`review=`), which limits its choices to that review: its questions, its
priority's chain links and measures. The guidance beside each field is the unit's own summary
of how its review tools are used.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from deliveryunit.editing import VERSION_MISSING, VersionedForm
from deliveryunit.forms import DateInput
from deliveryunit.models import Department, User
from priorities.models import ChainLink, LinkStrength, Measure, Priority

from . import images
from .models import (
    AnalysisPlanRow,
    ChartKind,
    Finding,
    FrontlineVisit,
    IssueNode,
    IssueStatus,
    PriorityReview,
    Recommendation,
    Stage,
    TeamMember,
)
from .services import priority_tree_ids

PRIORITY_REQUIRED = "Choose the priority to review."
CHOOSE_FROM_TREE = "Choose a question from this review's issue tree."

GUIDANCE = {
    "basic_question": (
        "The one question the review has to answer. Make it specific enough that the answer "
        "can be acted on, but not so narrow that it shuts out levers that could fix the problem."
    ),
    "context": (
        "Where the delivery chain stands now (the situation) and what has gone wrong or changed "
        "to make it a problem (the complication): recent performance against the trajectory, "
        "for example."
    ),
    "decision_makers": "Who will decide whether to act on what the review recommends.",
    "success_criteria": (
        "What the decision makers will judge the recommendations on: how soon they take "
        "effect, whether they can be done, how much difference they make."
    ),
    "stakeholders": (
        "Who else could help or get in the way of the review, or has a say in what happens next."
    ),
    "out_of_scope": "What the review will not look at, agreed at the start so no one is surprised.",
}

ISSUE_GUIDANCE = {
    "question": "A question that can be answered yes or no.",
    "hypothesis": "The answer you expect, and why: what the evidence will have to bear out.",
    "evidence": "What settled it: the analysis, data or visit that supports or refutes it.",
}

PLAN_GUIDANCE = {
    "hypothesis": "The answer you expect to the question, and why.",
    "analysis": "The work needed, and no more, to prove or disprove the hypothesis.",
    "source": "Where the data will come from, or how it will be got.",
    "responsibility": "Who will get the data and do the analysis.",
    "due": "When the analysis will be done.",
    "end_product": "What the analysis will produce: a chart, a table, a note.",
}

_TEXT = {"rows": 3}


class ReviewForm(VersionedForm):
    """The review's details: new, or changed later (not its scope or stage)."""

    class Meta:
        model = PriorityReview
        fields = ["priority", "title", "commissioner", "start", "report_due"]
        widgets = {"start": DateInput, "report_due": DateInput}
        help_texts = {
            "report_due": "A review reports in six to twelve weeks: pace is part of the method.",
        }
        error_messages = {"priority": {"required": PRIORITY_REQUIRED}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The priority of a review under way does not change: start another review instead.
            del self.fields["priority"]
        else:
            self.fields["priority"].queryset = Priority.objects.filter(active=True).order_by("code")
            self.fields["priority"].empty_label = "Choose a priority"


class ScopeForm(VersionedForm):
    """The scope and problem statement, each part with its guidance."""

    class Meta:
        model = PriorityReview
        fields = list(GUIDANCE)
        widgets = {name: forms.Textarea(attrs=_TEXT) for name in GUIDANCE}
        help_texts = GUIDANCE


class StageForm(forms.Form):
    """Move the review to another stage, from the version the page showed."""

    stage = forms.ChoiceField(choices=Stage.choices)
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": VERSION_MISSING, "invalid": VERSION_MISSING},
    )


class VersionForm(forms.Form):
    """A button that changes or removes a row: all it posts is the version the user saw, and
    (to reorder) which way to move it."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": VERSION_MISSING,
            "invalid": VERSION_MISSING,
            "min_value": VERSION_MISSING,
        },
    )
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")], required=False)

    @property
    def expected_version(self) -> int:
        return self.cleaned_data["version"]

    @property
    def up(self) -> bool:
        return self.cleaned_data.get("direction") != "down"


class ReviewPartForm(VersionedForm):
    """A form for one part of a review's workspace, bound to the review."""

    def __init__(self, *args: Any, review: PriorityReview, **kwargs: Any) -> None:
        self.review = review
        super().__init__(*args, **kwargs)


def _issue_choices(review: PriorityReview) -> QuerySet[IssueNode]:
    return IssueNode.objects.filter(review=review).order_by("position", "pk")


class TeamMemberForm(ReviewPartForm):
    class Meta:
        model = TeamMember
        fields = ["user", "name", "role"]
        labels = {"user": "Workbench user", "name": "Or someone from outside"}
        help_texts = {
            "user": "Someone who signs in to the workbench.",
            "name": "Their name, if they do not use the workbench.",
            "role": (
                "What they bring: team leader, analyst, departmental official, regulator, "
                "frontline head teacher."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by(
            "last_name", "first_name", "username"
        )
        self.fields["user"].empty_label = "None: someone from outside"


class IssueForm(ReviewPartForm):
    class Meta:
        model = IssueNode
        fields = ["question", "hypothesis", "status", "evidence"]
        widgets = {
            "question": forms.Textarea(attrs={"rows": 2}),
            "hypothesis": forms.Textarea(attrs={"rows": 2}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
            "status": forms.RadioSelect,
        }
        help_texts = ISSUE_GUIDANCE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            # A new question starts open; it is settled later, with its evidence.
            del self.fields["status"]
            del self.fields["evidence"]
        else:
            self.fields["status"].choices = IssueStatus.choices


class IssueMoveForm(forms.Form):
    """Where to move a question: under another question, or to the top level (no parent)."""

    parent = forms.ModelChoiceField(
        queryset=IssueNode.objects.none(),
        required=False,
        label="Move under",
        empty_label="The top level",
        error_messages={"invalid_choice": CHOOSE_FROM_TREE},
    )
    version = VersionForm.base_fields["version"]

    def __init__(self, *args: Any, review: PriorityReview, node: IssueNode, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Any question of the review is accepted here; whether the move would put the question
        # under itself is the service's to say, with its own message.
        self.fields["parent"].queryset = _issue_choices(review).exclude(pk=node.pk)  # type: ignore[attr-defined]

    @property
    def expected_version(self) -> int:
        return self.cleaned_data["version"]


class PlanRowForm(ReviewPartForm):
    class Meta:
        model = AnalysisPlanRow
        fields = [
            "issue",
            "hypothesis",
            "analysis",
            "source",
            "responsibility",
            "due",
            "end_product",
            "status",
        ]
        widgets = {
            "hypothesis": forms.Textarea(attrs={"rows": 2}),
            "analysis": forms.Textarea(attrs={"rows": 2}),
            "source": forms.Textarea(attrs={"rows": 2}),
            "end_product": forms.Textarea(attrs={"rows": 2}),
            "due": DateInput,
        }
        labels = {"issue": "Issue (a question of the tree)", "responsibility": "Responsibility"}
        help_texts = PLAN_GUIDANCE
        error_messages = {"issue": {"invalid_choice": CHOOSE_FROM_TREE}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issue"].queryset = _issue_choices(self.review)
        self.fields["issue"].empty_label = "None"
        self.fields["issue"].label_from_instance = lambda node: node.question[:90]  # type: ignore[attr-defined]


class VisitForm(ReviewPartForm):
    class Meta:
        model = FrontlineVisit
        fields = ["date", "site", "visitors", "chain_link", "notes", "findings"]
        widgets = {
            "date": DateInput,
            "notes": forms.Textarea(attrs=_TEXT),
            "findings": forms.Textarea(attrs=_TEXT),
        }
        labels = {"chain_link": "Link of the delivery chain", "findings": "What the visit found"}
        help_texts = {
            "site": 'Where: "Croydon asylum screening unit".',
            "visitors": "Who went, from the review team and beyond.",
            "chain_link": "Which link of the delivery chain the visit looked at.",
        }
        error_messages = {
            "chain_link": {"invalid_choice": "Choose a link of this priority's delivery chain."}
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chain_link"].queryset = ChainLink.objects.filter(
            priority_id=self.review.priority_id
        ).order_by("order", "pk")
        self.fields["chain_link"].empty_label = "Not placed on the chain"


def review_measures(review: PriorityReview) -> QuerySet[Measure]:
    """The measures a finding may chart: the priority's and its sub-targets'."""
    return (
        Measure.objects.filter(priority_id__in=priority_tree_ids(review.priority_id))
        .select_related("priority")
        .order_by("priority__code", "pk")
    )


class FindingForm(ReviewPartForm):
    upload = forms.FileField(
        label="Image",
        required=False,
        help_text="A PNG or JPEG image, at most 2 MB. It is checked and saved afresh.",
    )

    class Meta:
        model = Finding
        fields = [
            "headline",
            "evidence",
            "chart_kind",
            "measure",
            "compare_with",
            "chart_as_at",
            "image_description",
        ]
        widgets = {
            "headline": forms.Textarea(attrs={"rows": 2}),
            "evidence": forms.Textarea(attrs=_TEXT),
            "chart_kind": forms.RadioSelect,
            "chart_as_at": DateInput,
            "image_description": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "headline": "Finding",
            "chart_kind": "Chart",
            "measure": "Measure to chart",
            "compare_with": "Compare with",
            "image_description": "What the image shows",
        }
        help_texts = {
            "headline": "What the review found, in a sentence.",
            "evidence": "The evidence behind it.",
            "chart_kind": "A chart that makes the finding plain at a glance.",
            "compare_with": "Another measure drawn on the same chart, if that tells the story.",
            "chart_as_at": "Show the data as it stood on this date. Leave empty for the latest.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        measures = review_measures(self.review)
        for name in ("measure", "compare_with"):
            self.fields[name].queryset = measures
            self.fields[name].empty_label = "None"
            self.fields[name].label_from_instance = (  # type: ignore[attr-defined]
                lambda m: f"{m.priority.code}: {m.name}"
            )
        self.fields["chart_kind"].choices = ChartKind.choices
        self.checked_image: images.CheckedImage | None = None

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload:
            self.checked_image = images.check(upload)
        return upload

    def service_fields(self) -> dict[str, Any]:
        fields = super().service_fields()
        fields.pop("upload", None)
        fields["image"] = self.checked_image
        return fields


class RecommendationForm(ReviewPartForm):
    class Meta:
        model = Recommendation
        fields = ["description", "owner", "department", "due"]
        widgets = {"description": forms.Textarea(attrs=_TEXT), "due": DateInput}
        labels = {"description": "Recommendation"}
        help_texts = {
            "description": "What should be done: clear enough to be tracked as an action.",
            "department": "The department that will own the action.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("name")
        self.fields["department"].empty_label = "Choose a department"


class ChainLinkForm(ReviewPartForm):
    class Meta:
        model = ChainLink
        fields = ["who", "role", "strength", "note"]
        widgets = {
            "role": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 2}),
            "strength": forms.RadioSelect,
        }
        labels = {"who": "Who", "role": "What they do for this priority"}
        help_texts = {
            "who": "A post, an organisation or a group: Home Secretary, IND, screening units.",
            "strength": "How well this link carries the priority, as the evidence shows it.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["strength"].choices = LinkStrength.choices
