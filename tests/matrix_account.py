"""Matrix row for changing one's own password: every signed-in user, for their own account
only (the page takes no user id, so there is no other department's object to reach)."""

from django.urls import reverse

from .permission_matrix import Row, everyone, register

register(Row("password_change", lambda ctx, side: reverse("password_change"), everyone(200)))
