from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Priority reviews"

    def ready(self) -> None:
        from deliveryunit import documents as pipeline
        from priorities import page_parts

        from .documents import ReviewReportBuilder
        from .priority_page import reviews_part

        pipeline.register(ReviewReportBuilder())
        page_parts.register(reviews_part)
