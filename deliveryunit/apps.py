from django.apps import AppConfig


class DeliveryUnitConfig(AppConfig):
    name = "deliveryunit"
    verbose_name = "Delivery Unit"

    def ready(self) -> None:
        # The document kinds this package builds itself register with the pipeline.
        from . import pm_note  # noqa: F401
