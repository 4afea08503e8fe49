"""A priority's delivery chain: its links in order from the minister to the front line, written
through priorities/services.py with a version on each link, and drawn on the priority page as an
ordered list that a screen reader can follow."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from deliveryunit.editing import ConflictError
from priorities import page_parts, services
from priorities.models import ChainLink, LinkStrength

from .factories import PriorityFactory

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def priority(world):
    return PriorityFactory(code="PSA 7", title="Asylum", lead_department=world.own)


def _chain(priority) -> list[str]:
    return list(
        ChainLink.objects.filter(priority=priority).order_by("order").values_list("who", flat=True)
    )


def _add(priority, analyst, *names):
    return [
        services.chain_link_add(priority=priority, by=analyst, who=name, role=f"{name} acts")
        for name in names
    ]


def test_links_are_added_at_the_front_line_end_in_order(priority, analyst):
    _add(priority, analyst, "Home Secretary", "Home Office", "Screening units")

    assert _chain(priority) == ["Home Secretary", "Home Office", "Screening units"]
    assert list(ChainLink.objects.order_by("order").values_list("order", flat=True)) == [1, 2, 3]


def test_a_link_needs_someone(priority, analyst):
    with pytest.raises(ValidationError) as refused:
        services.chain_link_add(priority=priority, by=analyst, who="  ")
    assert refused.value.message_dict == {"who": [services.LINK_WHO_REQUIRED]}
    assert not ChainLink.objects.exists()


def test_update_is_attributed_and_checks_the_version(priority, analyst, world):
    (link,) = _add(priority, analyst, "IND")
    services.chain_link_update(
        link=link, by=analyst, expected_version=1, strength=LinkStrength.WEAK, note="Backlogs"
    )
    link.refresh_from_db()
    assert (link.strength, link.note, link.version) == ("weak", "Backlogs", 2)
    assert link.history.first().history_user == analyst

    with pytest.raises(ConflictError):
        services.chain_link_update(
            link=link, by=world.users["unit_lead"], expected_version=1, note="Stale"
        )
    link.refresh_from_db()
    assert link.note == "Backlogs"


def test_moving_swaps_with_the_neighbour_and_refuses_past_the_end(priority, analyst):
    minister, department, front_line = _add(priority, analyst, "Minister", "Dept", "Front line")

    services.chain_link_move(
        link=front_line, by=analyst, expected_version=1, towards_front_line=False
    )
    assert _chain(priority) == ["Minister", "Front line", "Dept"]

    with pytest.raises(ValidationError) as refused:
        services.chain_link_move(
            link=minister, by=analyst, expected_version=1, towards_front_line=False
        )
    assert refused.value.messages == [services.LINK_AT_END]

    with pytest.raises(ConflictError):
        services.chain_link_move(
            link=front_line, by=analyst, expected_version=1, towards_front_line=True
        )
    assert _chain(priority) == ["Minister", "Front line", "Dept"]


def test_removing_closes_the_gap(priority, analyst):
    _minister, department, _front = _add(priority, analyst, "Minister", "Dept", "Front line")
    services.chain_link_remove(link=department, by=analyst, expected_version=1)

    assert _chain(priority) == ["Minister", "Front line"]
    assert list(ChainLink.objects.order_by("order").values_list("order", flat=True)) == [1, 2]
    # The removal is in the history, attributed.
    deleted = ChainLink.history.filter(history_type="-").get()
    assert (deleted.who, deleted.history_user) == ("Dept", analyst)


def test_a_link_removed_meanwhile_is_refused_with_a_message(priority, analyst):
    (link,) = _add(priority, analyst, "Dept")
    services.chain_link_remove(link=link, by=analyst, expected_version=1)
    with pytest.raises(ValidationError) as refused:
        services.chain_link_update(link=link, by=analyst, expected_version=1, note="x")
    assert refused.value.messages == [services.LINK_GONE]


# --- on the priority page -----------------------------------------------------------------------


def test_priority_page_draws_the_chain_as_an_ordered_list_with_strengths(
    client, priority, analyst, official
):
    links = _add(priority, analyst, "Home Secretary", "Immigration and Nationality Directorate")
    services.chain_link_update(
        link=links[1], by=analyst, expected_version=1, strength=LinkStrength.WEAK, note=SCRIPT
    )
    client.force_login(official)

    html = client.get(reverse("priorities:detail", args=[priority.pk])).content.decode()

    chain = re.search(r'<ol class="du-chain"[^>]*>(.*?)</ol>', html, re.S)
    assert chain is not None
    assert 'aria-label="Delivery chain of PSA 7, from the minister to the front line"' in html
    items = re.findall(r'<li class="du-chain__link ([^"]+)"', chain.group(1))
    assert items == ["du-chain__link--not-judged", "du-chain__link--weak"]
    text = re.sub(r"<[^>]+>", " ", chain.group(1))
    assert text.index("Home Secretary") < text.index("Immigration and Nationality Directorate")
    # Strength is written, not only coloured.
    assert "Not yet judged" in text
    assert "Weak" in text
    # User text is escaped, and the read-only page has no edit controls.
    assert SCRIPT not in html
    assert "&lt;script&gt;" in html
    assert "du-chain__controls" not in html


def test_priority_page_says_when_the_chain_is_not_mapped(client, priority, official):
    client.force_login(official)
    html = client.get(reverse("priorities:detail", args=[priority.pk])).content.decode()
    assert 'data-testid="no-chain"' in html
    assert "du-chain" not in html


def test_marks_from_other_apps_are_placed_on_their_links(priority, analyst):
    first, second = _add(priority, analyst, "Department", "Front line")
    rows = page_parts.chain_rows(
        [first, second],
        [
            page_parts.ChainMark(second.pk, "Visit to a screening unit"),
            page_parts.ChainMark(second.pk, "Visit to a casework team", url="/x/"),
        ],
    )
    assert [row.marks for row in rows] == [
        [],
        [
            page_parts.ChainMark(second.pk, "Visit to a screening unit"),
            page_parts.ChainMark(second.pk, "Visit to a casework team", url="/x/"),
        ],
    ]
