"""Matrix rows for the unit lead's user management: the unit lead only, whatever department the
user belongs to; everyone else is refused by role (403). The set-up link answers anyone (it is
for people who cannot sign in yet) and, with a token that is not valid, changes nothing."""

from django.urls import reverse

from .factories import UserFactory
from .permission_matrix import USERS, Row, everyone, register


def build_users(ctx):
    ctx.person = {
        "own": ctx.world.users["official"],
        "other": UserFactory(username="dh_official", department=ctx.world.other),
    }


def lead_only(ok: int) -> dict[str, int]:
    return {user: ok if user == "unit_lead" else 403 for user in USERS}


def _person(name):
    return lambda ctx, side: reverse(name, args=[ctx.person[side].pk])


register(
    Row("users:list", lambda ctx, side: reverse("users:list"), lead_only(200)),
    Row("users:create", lambda ctx, side: reverse("users:create"), lead_only(200)),
    Row("users:edit", _person("users:edit"), lead_only(200)),
    Row(
        "users:unlock", _person("users:unlock"), lead_only(302), method="post", data=lambda c, s: {}
    ),
    Row(
        "users:setup",
        lambda ctx, side: reverse("users:setup", args=["MQ", "not-a-token"]),
        everyone(200),
    ),
    builder=build_users,
)
