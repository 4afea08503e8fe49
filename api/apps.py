from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The data API (/api/v1/): the workbench's data, read as each user may read it in the
    pages, and actual data submitted by departments; tokens per user to call it with."""

    name = "api"
    verbose_name = "Data API"

    def ready(self) -> None:
        # drf-spectacular finds schema extensions by their being imported.
        from . import schema  # noqa: F401
