from django.urls import path

from . import views

# No namespace: the home page has always been plain "home".
urlpatterns = [
    path("", views.home, name="home"),
]
