from django.urls import include, path

app_name = "stocktakes"

urlpatterns = [
    # Forums, meetings, agendas and attendance: views.py / urls_meetings.py.
    path("", include("stocktakes.urls_meetings")),
    # The action tracker and minutes: views_actions.py / urls_actions.py.
    path("", include("stocktakes.urls_actions")),
    # Packs: views_packs.py / urls_packs.py.
    path("", include("stocktakes.urls_packs")),
]
