"""The unit commentary at the head of the monthly note to the Prime Minister: the service
(first version, changes, conflicts, frozen once the note is issued), the page through HTTP, and
the note that carries it, escaped, in both formats."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from deliveryunit import access, documents
from deliveryunit.editing import CONFLICT_MESSAGE, ConflictError
from deliveryunit.models import DocumentStatus
from portfolio import commentary as service
from portfolio import pm_note
from portfolio.models import (
    COMMENTARY_ISSUED,
    COMMENTARY_MAX_LENGTH,
    COMMENTARY_TOO_LONG,
    NoteCommentary,
)
from portfolio.views import NOTE_ISSUED

MONTH = date(2003, 9, 1)
URL = f"{reverse('pm_note_commentary')}?month=2003-09"
ISSUE_URL = f"{reverse('pm_note_commentary_issue')}?month=2003-09"


@pytest.fixture
def today(monkeypatch):
    def freeze(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return freeze


@pytest.fixture
def lead(world):
    return world.users["unit_lead"]


@pytest.fixture
def analyst(world):
    return world.users["analyst"]


def _write(lead, text="A steady month.", version=0):
    return service.commentary_save(month=MONTH, text=text, by=lead, expected_version=version)


# --- the service ------------------------------------------------------------------------------


def test_the_first_commentary_is_version_1_and_attributed(lead):
    row = _write(lead, "  First words.  ")
    row.refresh_from_db()
    assert (row.month, row.text, row.version) == (MONTH, "First words.", 1)
    assert row.updated_by == lead
    assert row.history.get().history_user == lead


def test_a_change_moves_the_version_on_and_keeps_the_history(lead):
    _write(lead, "First words.")
    row = _write(lead, "Second thoughts.", version=1)
    row.refresh_from_db()
    assert (row.text, row.version) == ("Second thoughts.", 2)
    assert [h.text for h in row.history.order_by("history_date")] == [
        "First words.",
        "Second thoughts.",
    ]


def test_a_change_from_an_old_version_is_a_conflict_and_saves_nothing(lead):
    _write(lead, "First words.")
    _write(lead, "Second thoughts.", version=1)
    with pytest.raises(ConflictError) as raised:
        _write(lead, "Stale edit.", version=1)
    assert raised.value.current.version == 2
    assert NoteCommentary.objects.get().text == "Second thoughts."


def test_two_first_drafts_cannot_both_win(lead):
    _write(lead, "Mine.")
    with pytest.raises(ConflictError):
        _write(lead, "Theirs, started before mine was saved.", version=0)
    assert NoteCommentary.objects.get().text == "Mine."


def test_once_issued_the_commentary_is_refused_with_the_reason(lead):
    _write(lead, "The issued words.")
    issued = service.commentary_issue(month=MONTH, by=lead, expected_version=1)
    assert issued.is_issued
    assert (issued.issued_by, issued.version) == (lead, 2)
    with pytest.raises(ValidationError) as raised:
        _write(lead, "An afterthought.", version=2)
    assert raised.value.messages == [COMMENTARY_ISSUED]
    with pytest.raises(ValidationError) as again:
        service.commentary_issue(month=MONTH, by=lead, expected_version=2)
    assert again.value.messages == [COMMENTARY_ISSUED]
    assert NoteCommentary.objects.get().text == "The issued words."


def test_an_issued_commentary_cannot_be_saved_any_other_way(lead):
    _write(lead)
    service.commentary_issue(month=MONTH, by=lead, expected_version=1)
    row = NoteCommentary.objects.get()
    row.text = "Behind the service's back."
    with pytest.raises(ValidationError, match="issued"):
        row.save()


def test_issuing_needs_a_commentary_and_the_version_seen(lead):
    with pytest.raises(ValidationError) as raised:
        service.commentary_issue(month=MONTH, by=lead, expected_version=0)
    assert raised.value.messages == [service.NOTHING_TO_ISSUE]
    _write(lead)
    _write(lead, "Changed since.", version=1)
    with pytest.raises(ConflictError):
        service.commentary_issue(month=MONTH, by=lead, expected_version=1)
    assert not NoteCommentary.objects.get().is_issued


def test_only_the_unit_lead_writes_or_issues(lead, analyst):
    with pytest.raises(PermissionDenied):
        _write(analyst)
    _write(lead)
    with pytest.raises(PermissionDenied):
        service.commentary_issue(month=MONTH, by=analyst, expected_version=1)
    with pytest.raises(PermissionDenied):
        service.commentary_issue(month=MONTH, by=access.SYSTEM, expected_version=1)
    assert not NoteCommentary.objects.get().is_issued


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", service.COMMENTARY_REQUIRED),
        ("x" * (COMMENTARY_MAX_LENGTH + 1), COMMENTARY_TOO_LONG),
    ],
)
def test_an_empty_or_overlong_commentary_is_refused(lead, text, message):
    with pytest.raises(ValidationError) as raised:
        _write(lead, text)
    assert raised.value.message_dict == {"text": [message]}
    assert not NoteCommentary.objects.exists()


def test_the_limit_counts_a_line_break_once(lead):
    text = "a" * (COMMENTARY_MAX_LENGTH - 2) + "\r\n" + "b"
    assert _write(lead, text).text == "a" * (COMMENTARY_MAX_LENGTH - 2) + "\nb"


# --- the page ---------------------------------------------------------------------------------


def test_the_unit_lead_writes_the_commentary_on_the_page(client, lead):
    client.force_login(lead)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'name="text"' in page.content.decode()
    assert 'name="version" value="0"' in page.content.decode()
    response = client.post(URL, {"text": "Written on the page.", "version": "0"})
    assert response.status_code == 302
    assert response["Location"] == URL
    row = NoteCommentary.objects.get()
    assert (row.month, row.text, row.updated_by) == (MONTH, "Written on the page.", lead)
    again = client.get(URL).content.decode()
    assert "Written on the page." in again
    assert 'name="version" value="1"' in again


@pytest.mark.parametrize(
    ("text", "message"),
    [("", service.COMMENTARY_REQUIRED), ("x" * (COMMENTARY_MAX_LENGTH + 1), COMMENTARY_TOO_LONG)],
)
def test_bad_input_is_shown_in_the_error_summary_and_nothing_is_saved(client, lead, text, message):
    client.force_login(lead)
    response = client.post(URL, {"text": text, "version": "0"})
    assert response.status_code == 422
    html = response.content.decode()
    start = html.index('class="govuk-error-summary"')
    summary = html[start : html.index("</ul>", start)]
    assert message in summary
    assert 'href="#id_text"' in summary
    assert not NoteCommentary.objects.exists()


def test_the_page_counts_a_line_break_once_as_the_service_does(client, lead):
    client.force_login(lead)
    text = "a" * (COMMENTARY_MAX_LENGTH - 2) + "\r\n" + "b"
    assert client.post(URL, {"text": text, "version": "0"}).status_code == 302
    assert len(NoteCommentary.objects.get().text) == COMMENTARY_MAX_LENGTH


def test_a_post_without_a_version_is_refused(client, lead):
    client.force_login(lead)
    response = client.post(URL, {"text": "No version."})
    assert response.status_code == 422
    assert not NoteCommentary.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(world, lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    response = client.post(URL, {"text": "Forged.", "version": "0"})
    assert response.status_code == 403
    assert not NoteCommentary.objects.exists()
    issue = client.post(ISSUE_URL, {"version": "1"})
    assert issue.status_code == 403


def test_a_conflict_shows_both_versions_and_keeps_what_was_typed(client, lead):
    _write(lead, "Saved by someone else first.")
    client.force_login(lead)
    response = client.post(URL, {"text": "Typed from a blank page.", "version": "0"})
    assert response.status_code == 409
    html = response.content.decode()
    assert CONFLICT_MESSAGE in html
    assert "Saved by someone else first." in html
    assert "Typed from a blank page." in html
    # Saving again is a deliberate overwrite of the version now shown.
    assert 'name="version" value="1"' in html
    assert NoteCommentary.objects.get().text == "Saved by someone else first."


def test_an_analyst_reads_the_commentary_but_cannot_change_it(client, lead, analyst):
    _write(lead, "<b>Read</b> by analysts.")
    client.force_login(analyst)
    html = client.get(URL).content.decode()
    assert "&lt;b&gt;Read&lt;/b&gt; by analysts." in html
    assert 'name="text"' not in html
    assert "Issue the note" not in html
    assert client.post(URL, {"text": "Analyst's edit.", "version": "1"}).status_code == 403
    assert NoteCommentary.objects.get().text == "<b>Read</b> by analysts."


def test_issuing_on_the_page_freezes_the_commentary(client, lead):
    _write(lead, "To be issued.")
    client.force_login(lead)
    assert "Issue the note for September 2003" in client.get(URL).content.decode()
    response = client.post(ISSUE_URL, {"version": "1"}, follow=True)
    html = response.content.decode()
    assert NOTE_ISSUED.format(month="September 2003") in html
    assert 'data-testid="issued"' in html
    assert 'name="text"' not in html
    assert NoteCommentary.objects.get().is_issued
    refused = client.post(URL, {"text": "Too late.", "version": "2"})
    assert refused.status_code == 422
    assert COMMENTARY_ISSUED in refused.content.decode()
    assert NoteCommentary.objects.get().text == "To be issued."


def test_a_month_the_note_cannot_cover_is_sent_back_with_the_reason(client, lead, today):
    today(date(2003, 9, 30))
    client.force_login(lead)
    response = client.get(f"{reverse('pm_note_commentary')}?month=2004-01", follow=True)
    assert response.redirect_chain[-1][0] == reverse("documents:list")
    assert "Choose a month from" in response.content.decode()
    bad = client.get(f"{reverse('pm_note_commentary')}?month=soon", follow=True)
    assert pm_note.BAD_MONTH in bad.content.decode()


def test_the_documents_page_leads_the_unit_to_the_commentary(client, lead, analyst, world):
    client.force_login(lead)
    html = client.get(reverse("documents:list")).content.decode()
    assert f'action="{reverse("pm_note_commentary")}"' in html
    assert "Write the commentary" in html
    client.force_login(analyst)
    assert "Read the commentary" in client.get(reverse("documents:list")).content.decode()
    client.force_login(world.users["minister_all"])
    assert (
        reverse("pm_note_commentary") not in client.get(reverse("documents:list")).content.decode()
    )


# --- the note ---------------------------------------------------------------------------------


def test_the_note_opens_with_the_commentary_escaped(lead, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _write(lead, "Plain words & <script>alert(1)</script>\n\nA second paragraph.")
    service.commentary_issue(month=MONTH, by=lead, expected_version=1)
    assert pm_note.note_content(MONTH).commentary.startswith("Plain words & <script>")

    pdf = documents.build_now(kind="pm_note", format="pdf", subject={"month": "2003-09"}, by=lead)
    assert pdf.status == DocumentStatus.DONE, pdf.error
    reader = PdfReader(io.BytesIO(Path(pdf.file.path).read_bytes()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    # Shown as typed (so escaped in the HTML the PDF is drawn from), before the figures.
    assert "Plain words & <script>alert(1)</script>" in text
    assert text.index("Plain words") < text.index("Headlines")

    docx = documents.build_now(kind="pm_note", format="docx", subject={"month": "2003-09"}, by=lead)
    assert docx.status == DocumentStatus.DONE, docx.error
    paragraphs = [p.text for p in Document(docx.file.path).paragraphs]
    assert paragraphs.index("Plain words & <script>alert(1)</script>") < paragraphs.index(
        "Headlines"
    )
    assert "A second paragraph." in paragraphs


def test_the_note_html_escapes_the_commentary(lead):
    from django.template.loader import render_to_string

    from deliveryunit.models import GeneratedDocument

    _write(lead, "<script>alert(1)</script>")
    html = render_to_string(
        "documents/pm_note.html",
        {"document": GeneratedDocument(title="Note"), "note": pm_note.note_content(MONTH)},
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_a_note_without_a_commentary_has_none(db):
    assert pm_note.note_content(MONTH).commentary == ""
