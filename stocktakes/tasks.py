"""Celery tasks of the stocktakes app: thin, given ids, safe to run twice."""

from celery import shared_task

from . import mail


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=mail.RETRYABLE,
    max_retries=mail.MAX_TRIES - 1,
    retry_backoff=mail.FIRST_WAIT_SECONDS,
    retry_backoff_max=mail.LONGEST_WAIT_SECONDS,
    retry_jitter=True,
)
def send_minutes(self, delivery_id: int) -> None:  # type: ignore[no-untyped-def]
    """Send issued minutes: one try per run, Celery retrying a failure with a growing wait
    until the tries run out (the last one marks the delivery not sent)."""
    if self.request.is_eager:
        mail.send_until_done(delivery_id)
        return
    mail.send_once(delivery_id, last_try=self.request.retries >= mail.MAX_TRIES - 1)
