from django.apps import AppConfig


class DeliveryUnitConfig(AppConfig):
    name = "deliveryunit"
    verbose_name = "Delivery Unit"
