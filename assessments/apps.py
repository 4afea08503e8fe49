from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Likelihood-of-delivery assessments"

    def ready(self) -> None:
        from deliveryunit import documents as pipeline

        from .documents import DeliveryReportBuilder

        pipeline.register(DeliveryReportBuilder())
