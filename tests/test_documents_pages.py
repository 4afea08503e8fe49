"""The documents pages: the list with its build forms, asking for a build, the htmx status row
and the logged download."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from lxml import html as lxml_html

from deliveryunit.models import (
    DocumentDownload,
    DocumentFormat,
    DocumentKind,
    DocumentStatus,
    GeneratedDocument,
)

from .factories import PriorityFactory
from .matrix_assessments import assess, make_round, select

FILE_CONTENT = b"%PDF-1.4 a small test document\n"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "documents").mkdir()
    return tmp_path


_counter = iter(range(1, 1_000_000))


def make_document(department=None, *, status=DocumentStatus.DONE, media=None, title=None, **extra):
    """A delivery report row (with a small file when done); `department` None for the whole
    portfolio."""
    n = next(_counter)
    code = department.code if department else "all"
    fields = {
        "kind": DocumentKind.DELIVERY_REPORT,
        "format": DocumentFormat.PDF,
        "subject_key": f"round={n};department={code}",
        "subject": {"round": n, "department": department.pk if department else ""},
        "title": title or f"Delivery report: {department or 'whole portfolio'}, round {n}",
        "marking": "OFFICIAL-SENSITIVE",
        "status": status,
        "data_as_at": date(2003, 12, 31),
    }
    if status == DocumentStatus.DONE:
        name = f"documents/test-{n}.pdf"
        if media is not None:
            (media / name).write_bytes(FILE_CONTENT)
        fields.update(version=1, progress=100, file=name, size=len(FILE_CONTENT))
    fields.update(extra)
    document = GeneratedDocument.objects.create(**fields)
    if department is not None:
        document.departments.set([department])
    return document


def _page(response):
    return lxml_html.fromstring(response.content.decode())


def _titles(response) -> list[str]:
    """The documents listed, by title (the first line of each row's first cell)."""
    rows = select(_page(response), "tbody tr[id]")
    return [row.xpath("td[1]/text()")[0].strip() for row in rows]


def _build_forms(response) -> list:
    return _page(response).xpath(f"//form[@action='{reverse('documents:request')}']")


# --- the list ---------------------------------------------------------------------------------


@pytest.fixture
def three(world, media_root):
    return {
        "own": make_document(world.own, media=media_root, title="Own report"),
        "other": make_document(world.other, media=media_root, title="Other report"),
        "portfolio": make_document(None, media=media_root, title="Portfolio report"),
    }


def test_editor_sees_every_document_and_the_build_forms(client, world, three):
    client.force_login(world.users["analyst"])
    response = client.get(reverse("documents:list"))
    assert response.status_code == 200
    assert sorted(_titles(response)) == ["Other report", "Own report", "Portfolio report"]
    page = _page(response)
    assert len(_build_forms(response)) == 2
    legends = [el.text_content().strip() for el in select(page, "form legend")]
    assert sorted(legends) == ["Monthly note to the Prime Minister", "Six-monthly delivery report"]
    # Every select has its label.
    for field in select(page, "form select"):
        assert page.xpath(f"//label[@for='{field.get('id')}']"), field.get("id")


@pytest.mark.parametrize("user", ["official", "minister"])
def test_department_users_see_only_their_departments_documents_and_no_forms(
    client, world, three, user
):
    client.force_login(world.users[user])
    response = client.get(reverse("documents:list"))
    assert response.status_code == 200
    assert sorted(_titles(response)) == ["Own report"]
    assert not _build_forms(response)


def test_unscoped_minister_sees_portfolio_documents_but_no_forms(client, world, three):
    client.force_login(world.users["minister_all"])
    response = client.get(reverse("documents:list"))
    assert "Portfolio report" in sorted(_titles(response))
    assert not _build_forms(response)


def test_list_rows_poll_only_while_active(client, world, media_root):
    done = make_document(world.own, media=media_root)
    queued = make_document(world.own, status=DocumentStatus.QUEUED)
    client.force_login(world.users["analyst"])
    page = _page(client.get(reverse("documents:list")))
    assert page.get_element_by_id(f"document-{done.pk}").get("hx-get") is None
    row = page.get_element_by_id(f"document-{queued.pk}")
    assert row.get("hx-get") == reverse("documents:status", args=[queued.pk])
    assert row.get("hx-trigger") == "every 1s"


@pytest.mark.parametrize("count", [5, 200])
def test_list_queries_do_not_grow_with_the_documents(
    client, world, django_assert_max_num_queries, count
):
    for index in range(count):
        make_document(world.own if index % 2 else None, requested_by=world.users["analyst"])
    client.force_login(world.users["analyst"])
    with django_assert_max_num_queries(7):
        response = client.get(reverse("documents:list"))
    assert response.status_code == 200
    assert len(_titles(response)) == count


def test_list_queries_for_an_official_do_not_grow(
    client, world, media_root, django_assert_max_num_queries
):
    for _ in range(200):
        make_document(world.own)
    client.force_login(world.users["official"])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("documents:list"))
    assert len(_titles(response)) == 200


# --- requesting -------------------------------------------------------------------------------


@pytest.fixture
def published_round(world):
    own = PriorityFactory(code="HO 1", lead_department=world.own)
    round_ = make_round("June 2003", date(2003, 6, 30), [own], by=world.users["unit_lead"])
    assess(round_, own)
    return round_


def _request_data(round_, department, fmt="pdf"):
    return {
        "kind": DocumentKind.DELIVERY_REPORT,
        "format": fmt,
        "round": round_.pk,
        "department": department.pk,
    }


def test_editor_requests_a_report_and_is_sent_to_its_row(client, world, published_round):
    client.force_login(world.users["analyst"])
    response = client.post(reverse("documents:request"), _request_data(published_round, world.own))
    document = GeneratedDocument.objects.get()
    assert response.status_code == 302
    assert response.url == f"{reverse('documents:list')}#document-{document.pk}"
    assert document.requested_by == world.users["analyst"]
    assert document.status == DocumentStatus.QUEUED
    page = client.get(response.url)
    assert "Delivery report: Home Office, June 2003 (draft) (PDF) requested." in (
        page.content.decode()
    )


@pytest.mark.parametrize("user", ["minister", "minister_all", "official"])
def test_only_editors_may_request(client, world, published_round, user):
    client.force_login(world.users[user])
    response = client.post(reverse("documents:request"), _request_data(published_round, world.own))
    assert response.status_code == 403
    assert not GeneratedDocument.objects.exists()


def test_request_needs_post(client, world):
    client.force_login(world.users["analyst"])
    assert client.get(reverse("documents:request")).status_code == 405


def test_request_without_csrf_token_is_refused(world, published_round):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["analyst"])
    response = client.post(reverse("documents:request"), _request_data(published_round, world.own))
    assert response.status_code == 403
    assert not GeneratedDocument.objects.exists()


def test_unknown_kind_and_format_are_refused_with_a_message(client, world, published_round):
    from deliveryunit import documents

    client.force_login(world.users["analyst"])
    data = _request_data(published_round, world.own)
    response = client.post(reverse("documents:request"), {**data, "kind": "nonsense"})
    assert response.status_code == 400
    assert documents.UNKNOWN_KIND in response.content.decode()
    response = client.post(reverse("documents:request"), {**data, "format": "xlsx"})
    assert response.status_code == 400
    assert documents.UNSUPPORTED_FORMAT in response.content.decode()
    assert not GeneratedDocument.objects.exists()


# --- status -----------------------------------------------------------------------------------


def test_status_partial_is_one_row_polling_while_active(client, world):
    document = make_document(world.own, status=DocumentStatus.RUNNING, progress=40)
    client.force_login(world.users["official"])
    response = client.get(reverse("documents:status", args=[document.pk]), **HTMX)
    assert response.status_code == 200
    assert response["Vary"]
    assert "HX-Request" in response["Vary"]
    body = response.content.decode().strip()
    assert body.startswith("<tr")
    assert body.endswith("</tr>")
    assert "<html" not in body
    row = lxml_html.fragment_fromstring(body, create_parent="table").xpath("//tr")[0]
    assert row.get("id") == f"document-{document.pk}"
    assert row.get("hx-trigger") == "every 1s"
    assert "40%" in row.text_content()


def test_status_partial_of_a_done_document_has_the_download_link_and_stops_polling(
    client, world, media_root
):
    document = make_document(world.own, media=media_root)
    client.force_login(world.users["official"])
    body = client.get(reverse("documents:status", args=[document.pk]), **HTMX).content.decode()
    row = lxml_html.fragment_fromstring(body.strip(), create_parent="table").xpath("//tr")[0]
    assert row.get("hx-get") is None
    (link,) = row.xpath(".//a")
    assert link.get("href") == reverse("documents:download", args=[document.pk])


def test_status_partial_of_a_failed_document_shows_the_error(client, world):
    document = make_document(
        world.own,
        status=DocumentStatus.FAILED,
        error="The document could not be built: <b>no data</b>.",
    )
    client.force_login(world.users["analyst"])
    body = client.get(reverse("documents:status", args=[document.pk]), **HTMX).content.decode()
    assert "Failed" in body
    assert "The document could not be built: &lt;b&gt;no data&lt;/b&gt;." in body
    assert "hx-trigger" not in body
    assert "download" not in body


def test_status_of_another_departments_document_is_not_found(client, world):
    document = make_document(world.other, status=DocumentStatus.QUEUED)
    client.force_login(world.users["official"])
    assert client.get(reverse("documents:status", args=[document.pk]), **HTMX).status_code == 404


def test_status_of_a_portfolio_document_is_not_found_for_a_department_minister(client, world):
    document = make_document(None, status=DocumentStatus.QUEUED)
    client.force_login(world.users["minister"])
    assert client.get(reverse("documents:status", args=[document.pk])).status_code == 404


# --- download ---------------------------------------------------------------------------------


def test_download_returns_the_file_and_logs_who_took_it(client, world, media_root):
    document = make_document(world.own, media=media_root, title="Delivery report: Home Office")
    official = world.users["official"]
    client.force_login(official)
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FILE_CONTENT
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="delivery-report-home-office-v1.pdf"'
    )
    (logged,) = DocumentDownload.objects.all()
    assert (logged.document, logged.user) == (document, official)
    assert logged.ip_address == "127.0.0.1"


def test_download_of_another_departments_document_is_not_found_and_not_logged(
    client, world, media_root
):
    document = make_document(world.other, media=media_root)
    client.force_login(world.users["official"])
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
    assert not DocumentDownload.objects.exists()


@pytest.mark.parametrize("status", [DocumentStatus.QUEUED, DocumentStatus.RUNNING, "failed"])
def test_download_while_not_done_is_not_found(client, world, status):
    document = make_document(world.own, status=status)
    client.force_login(world.users["analyst"])
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 404
    assert not DocumentDownload.objects.exists()


def test_old_versions_stay_downloadable(client, world, media_root):
    first = make_document(world.own, media=media_root)
    second = make_document(world.own, media=media_root, subject_key=first.subject_key, version=2)
    client.force_login(world.users["analyst"])
    for document in (first, second):
        response = client.get(reverse("documents:download", args=[document.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content)
    assert DocumentDownload.objects.count() == 2
