from django.apps import AppConfig


class StocktakesConfig(AppConfig):
    name = "stocktakes"
    verbose_name = "Stocktakes and task forces"

    def ready(self) -> None:
        from deliveryunit import documents as pipeline
        from deliveryunit import panels, priority_facts

        from . import panels as stocktake_panels
        from .documents import StocktakePackBuilder

        pipeline.register(StocktakePackBuilder())
        panels.register("actions", stocktake_panels.actions_panel, order=20)
        panels.register("meetings", stocktake_panels.meetings_panel, order=30)
        priority_facts.register_grouping(stocktake_panels.FORUM_GROUPING)
