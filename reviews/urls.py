from django.urls import path

from . import views, views_issues, views_parts
from .parts import PARTS

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("new/", views.review_create, name="review_create"),
    path("<int:pk>/", views.review_detail, name="review_detail"),
    path("<int:pk>/edit/", views.review_edit, name="review_edit"),
    path("<int:pk>/scope/", views.scope_edit, name="scope_edit"),
    path("<int:pk>/stage/", views.stage_move, name="stage_move"),
    path("<int:pk>/report/", views.report, name="report"),
    # The issue tree (views_issues.py).
    path("<int:pk>/issues/add/", views_issues.issue_add, name="issue_add"),
    path("<int:pk>/issues/<int:node_pk>/add/", views_issues.issue_add, name="issue_add_under"),
    path("<int:pk>/issues/<int:node_pk>/edit/", views_issues.issue_edit, name="issue_edit"),
    path("<int:pk>/issues/<int:node_pk>/move/", views_issues.issue_move, name="issue_move"),
    path(
        "<int:pk>/issues/<int:node_pk>/reorder/", views_issues.issue_reorder, name="issue_reorder"
    ),
    path("<int:pk>/issues/<int:node_pk>/delete/", views_issues.issue_delete, name="issue_delete"),
    # Recommendations into the tracker, and findings' images (views_parts.py).
    path(
        "<int:pk>/recommendations/<int:item_pk>/accept/",
        views_parts.recommendation_accept,
        name="recommendation_accept",
    ),
    path(
        "<int:pk>/findings/<int:item_pk>/image/",
        views_parts.finding_image,
        name="finding_image",
    ),
]

# The lists edited row by row (parts.py): <section>_add, _edit, _delete and _reorder.
for _part in PARTS.values():
    _section = {"section": _part.section}
    urlpatterns += [
        path(f"<int:pk>/{_part.slug}/add/", views_parts.part_add, _section, f"{_part.section}_add"),
        path(
            f"<int:pk>/{_part.slug}/<int:item_pk>/delete/",
            views_parts.part_delete,
            _section,
            f"{_part.section}_delete",
        ),
    ]
    if _part.update is not None:
        urlpatterns.append(
            path(
                f"<int:pk>/{_part.slug}/<int:item_pk>/edit/",
                views_parts.part_edit,
                _section,
                f"{_part.section}_edit",
            )
        )
    if _part.reorder is not None:
        urlpatterns.append(
            path(
                f"<int:pk>/{_part.slug}/<int:item_pk>/reorder/",
                views_parts.part_reorder,
                _section,
                f"{_part.section}_reorder",
            )
        )
