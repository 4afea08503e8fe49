"""The reviews' part of the priority page (priorities/page_parts.py): the reviews of the
priority, with their stage and when they report, and their frontline visits placed on the
links of the priority's delivery chain. Two queries, whatever the number of reviews."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.formats import date_format

from deliveryunit import access, clock
from priorities.models import Priority
from priorities.page_parts import ChainMark, PagePart

from . import selectors

VISIT_MARK = "Visit to {site}, {date} ({review})"


def reviews_part(user: Any, priority: Priority) -> PagePart:
    today = clock.today()
    reviews = selectors.reviews_of_priority(user, priority)
    marks = [
        ChainMark(
            link_id=visit.chain_link_id,  # type: ignore[arg-type]
            label=VISIT_MARK.format(
                site=visit.site, date=date_format(visit.date, "j M Y"), review=visit.review.title
            ),
            url=reverse("reviews:review_detail", args=[visit.review_id]) + f"#visit-{visit.pk}",
        )
        for visits in selectors.visits_on_chain(priority, user).values()
        for visit in visits
    ]
    return PagePart(
        template="reviews/priority_reviews.html",
        context={
            "reviews": [
                {
                    "review": r,
                    "late": r.is_late(today),
                    "warnings": selectors.warnings_for(r, today),
                }
                for r in reviews
            ],
            "start_url": (
                f"{reverse('reviews:review_create')}?priority={priority.pk}"
                if access.is_editor(user)
                else None
            ),
        },
        chain_marks=marks,
    )
