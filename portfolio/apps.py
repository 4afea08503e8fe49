from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    """The roof: what draws on every app at once (the home page, the note to the PM)."""

    name = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        from deliveryunit import documents as pipeline

        from .pm_note import PMNoteBuilder

        pipeline.register(PMNoteBuilder())
