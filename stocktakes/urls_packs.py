"""Stocktake packs (views_packs.py)."""

from django.urls import path

from . import views_packs as views

urlpatterns = [
    path("meetings/<int:pk>/pack/build/", views.pack_build, name="pack_build"),
    path("meetings/<int:pk>/pack/issue/", views.pack_issue, name="pack_issue"),
    path("packs/<int:pk>/", views.pack_detail, name="pack_detail"),
    path("packs/<int:pk>/download/", views.pack_download, name="pack_download"),
]
