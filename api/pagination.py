from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """`?limit=` and `?offset=`: 50 a page unless asked, never more than 200."""

    default_limit = 50
    max_limit = 200

    # Far past any real list, and small enough for every database to take as an OFFSET.
    max_offset = 2**31 - 1

    def get_offset(self, request):  # type: ignore[no-untyped-def]
        return min(super().get_offset(request), self.max_offset)
