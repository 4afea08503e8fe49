"""Pages, downloads and exports for a signed-in user are never kept by a browser or proxy cache;
pages for anonymous visitors keep their ordinary caching."""

from django.urls import reverse


def test_signed_in_pages_are_not_stored(client, analyst):
    client.force_login(analyst)
    for name in ("home", "priorities:list", "documents:list"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_public_responses_are_left_alone(client, db):
    # The public progress pages are cached on purpose (read far more than written).
    response = client.get(reverse("progress:index"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
