from django.conf import settings
from django.http import HttpRequest

from . import access, clock


def service(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "service_name": settings.SERVICE_NAME,
        "protective_marking": settings.PROTECTIVE_MARKING,
        "user_is_editor": access.is_editor(user),
        "user_is_unit_lead": access.is_unit_lead(user),
        "demo_as_at": clock.as_at() if getattr(user, "is_authenticated", False) else None,
    }
