from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Likelihood-of-delivery assessments"

    def ready(self) -> None:
        # The delivery report registers itself with the document pipeline.
        from . import documents  # noqa: F401
