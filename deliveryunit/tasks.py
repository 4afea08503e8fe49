"""Celery tasks of the document pipeline: thin, given ids, safe to run twice."""

from celery import shared_task

from . import documents


@shared_task(acks_late=True)
def build_document(document_id: int) -> None:
    documents.run_build(document_id)


@shared_task
def sweep_stuck_documents() -> int:
    return documents.sweep_stuck()
