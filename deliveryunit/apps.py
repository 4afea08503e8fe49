from django.apps import AppConfig


class DeliveryUnitConfig(AppConfig):
    name = "deliveryunit"
    verbose_name = "Delivery Unit"

    def ready(self) -> None:
        # The pipeline queues requests through the build task, which calls the pipeline: it is
        # connected here rather than imported there, so neither module imports the other.
        from django.contrib.auth.signals import user_logged_in

        from . import documents, signin, tasks

        user_logged_in.connect(signin.mark_signed_in, dispatch_uid="signin.mark_signed_in")

        documents.connect_queue(tasks.build_document.delay)
