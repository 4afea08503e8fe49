"""Sending issued minutes to their distribution list, one try at a time.

Each try is logged on the delivery (a DeliveryAttempt with its outcome) whatever happens, and the
delivery says where it stands: sending (tries left), sent, or not sent (no tries left, shown on
the minutes page with a button to send again). stocktakes/tasks.py runs the tries with Celery's
retries and a growing wait between them.

A try is claimed, sent and recorded in three steps, so that no database lock is held while the
mail server is slow, and a task delivered twice (or run by two workers) sends once.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from deliveryunit.fields import one_line

from .models import DeliveryAttempt, DeliveryStatus, MinutesDelivery

# One first try and five retries, waits growing from half a minute to ten minutes: about twenty
# minutes of a mail relay's trouble is ridden out before someone is asked to send again.
MAX_TRIES = 6
FIRST_WAIT_SECONDS = 30
LONGEST_WAIT_SECONDS = 10 * 60
# Failures worth trying again: the server or the network. Anything else will fail the same
# way next time, so the delivery is marked not sent at once.
RETRYABLE = (smtplib.SMTPException, OSError)
# A try under way for longer than this was lost with its worker: the next one may go ahead.
TRY_ABANDONED_AFTER = timedelta(minutes=15)
# Errors kept on the attempt are for the unit, not for debugging: a line is enough.
ERROR_LENGTH = 500


def message(delivery: MinutesDelivery) -> tuple[str, str]:
    """The subject and body. Names go into the subject on one line whatever they hold: a header
    with a line break in it is refused by the mail library (it is how headers are injected),
    and names typed before the rule against control characters may hold one."""
    meeting = delivery.minutes.meeting
    marking = settings.PROTECTIVE_MARKING
    subject = one_line(f"{marking}: minutes of {meeting}")
    body = (
        f"The minutes of {meeting} have been issued in the Delivery Unit workbench.\n\n"
        f"Handle as {marking}. Sign in to read them and to update the actions you own."
    )
    return subject, body


def send_once(delivery_id: int, *, last_try: bool) -> None:
    """One try at sending the delivery, logged. A failure is raised again after it is recorded,
    so that the task can retry it; on the last try, or for a failure not worth retrying, the
    delivery is marked not sent first."""
    attempt = _claim(delivery_id)
    if attempt is None:
        return
    delivery = attempt.delivery
    subject, body = message(delivery)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, list(delivery.recipients))
    except Exception as exc:
        give_up = last_try or not isinstance(exc, RETRYABLE)
        _record(attempt, error=f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH], give_up=give_up)
        raise
    _record(attempt, error="", give_up=False)


def send_until_done(delivery_id: int) -> None:
    """Every try, one after another, for when tasks run in the web process (no broker): there
    is no worker to wait between tries, and Celery's in-process mode does not retry."""
    for number in range(1, MAX_TRIES + 1):
        try:
            send_once(delivery_id, last_try=number == MAX_TRIES)
        except RETRYABLE:
            continue
        return


@transaction.atomic
def _claim(delivery_id: int) -> DeliveryAttempt | None:
    """The next try, logged as under way; None when there is nothing to do (sent already, given
    up, or another try under way)."""
    delivery = (
        MinutesDelivery.objects.select_for_update()
        .select_related("minutes__meeting__forum")
        .get(pk=delivery_id)
    )
    if delivery.status != DeliveryStatus.SENDING:
        return None
    cutoff = timezone.now() - TRY_ABANDONED_AFTER
    if delivery.attempts.filter(sent__isnull=True, at__gte=cutoff).exists():
        return None
    number = delivery.attempts.count() + 1
    attempt = DeliveryAttempt.objects.create(delivery=delivery, number=number, sent=None)
    attempt.delivery = delivery
    return attempt


@transaction.atomic
def _record(attempt: DeliveryAttempt, *, error: str, give_up: bool) -> None:
    delivery = MinutesDelivery.objects.select_for_update().get(pk=attempt.delivery_id)
    attempt.sent = not error
    attempt.error = error
    attempt.save(update_fields=["sent", "error"])
    if not error:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.save(update_fields=["status", "sent_at"])
    elif give_up:
        delivery.status = DeliveryStatus.FAILED
        delivery.save(update_fields=["status"])
