from django.apps import AppConfig


class DeliveryUnitConfig(AppConfig):
    name = "deliveryunit"
    verbose_name = "Delivery Unit"

    def ready(self) -> None:
        # The pipeline queues requests through the build task, which calls the pipeline: it is
        # connected here rather than imported there, so neither module imports the other.
        from . import documents, tasks

        documents.connect_queue(tasks.build_document.delay)
