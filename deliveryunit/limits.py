"""Request and response limits.

A cap on the size of every request body, applied before anything reads the body: a 50 MB post
is refused from its Content-Length, and a body that turns out longer than it said while being
streamed stops the upload there, so neither reaches memory or disk. And no caching of anything
a signed-in user is sent."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

BODY_TOO_LARGE = "The request is too large. Files you upload must be smaller than 2 MB."


class BodyLimitHandler(FileUploadHandler):
    """Counts the bytes of uploaded files as they arrive, and stops at the cap."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.MAX_REQUEST_BODY:
            raise RequestDataTooBig(BODY_TOO_LARGE)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class BodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BODY:
            return HttpResponse(BODY_TOO_LARGE, status=413, content_type="text/plain")
        request.upload_handlers.insert(0, BodyLimitHandler(request))
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Everything answered to a signed-in user (pages, documents, exports) carries
    `Cache-Control: no-store`, so no shared or browser cache keeps it after they sign out.
    Static files never get here (WhiteNoise answers them first) and keep their caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "_public_view", False):
            # The same for everyone and cached on purpose: the session is not read (signin.py).
            return response
        user = getattr(request, "user", None)
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES
        if signed_in and user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], *args: Any) -> None:
        request._public_view = getattr(view_func, "login_required", True) is False  # type: ignore[attr-defined]
