from django.apps import AppConfig


class StocktakesConfig(AppConfig):
    name = "stocktakes"
    verbose_name = "Stocktakes and task forces"

    def ready(self) -> None:
        from deliveryunit import documents as pipeline

        from .documents import StocktakePackBuilder

        pipeline.register(StocktakePackBuilder())
