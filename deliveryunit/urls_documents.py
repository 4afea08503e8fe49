from django.urls import path

from . import views_documents as views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("request/", views.document_request, name="request"),
    path("<int:pk>/status/", views.document_status, name="status"),
    path("<int:pk>/download/", views.document_download, name="download"),
]
