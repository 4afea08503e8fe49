from django.apps import AppConfig


class StocktakesConfig(AppConfig):
    name = "stocktakes"
    verbose_name = "Stocktakes and task forces"

    def ready(self) -> None:
        # The stocktake pack registers itself with the document pipeline.
        from . import documents  # noqa: F401
