from django.apps import AppConfig


class StocktakesConfig(AppConfig):
    name = "stocktakes"
    verbose_name = "Stocktakes and task forces"
