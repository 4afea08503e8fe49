from django.apps import AppConfig


class PlansConfig(AppConfig):
    """Single Departmental Plans: objectives, manifesto commitments, implementation timetables,
    the formal and informal tracks of progress, and the public progress pages."""

    name = "plans"
    verbose_name = "Departmental plans"
