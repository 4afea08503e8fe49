from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Priority reviews"

    def ready(self) -> None:
        from deliveryunit import documents as pipeline
        from deliveryunit import priority_facts
        from priorities import page_parts

        from .documents import ReviewReportBuilder
        from .priority_page import reviews_part
        from .selectors import under_way_by_priority

        pipeline.register(ReviewReportBuilder())
        page_parts.register(reviews_part)
        priority_facts.register_reviews(under_way_by_priority)
