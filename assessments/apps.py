from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Likelihood-of-delivery assessments"

    def ready(self) -> None:
        from deliveryunit import documents as pipeline
        from deliveryunit import panels, priority_facts

        from .documents import DeliveryReportBuilder
        from .panels import assessment_history_panel
        from .selectors import latest_likelihoods

        pipeline.register(DeliveryReportBuilder())
        panels.register("assessment_history", assessment_history_panel, order=10)
        priority_facts.register_likelihood(latest_likelihoods)
