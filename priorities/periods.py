"""Reporting periods. A period is stored as the date it starts: the first of the month for
monthly measures, the first month of the calendar quarter for quarterly ones, 1 January for
annual ones. Labels are '2023-09', '2003-Q3' and '2004'.
"""

import re
from datetime import date

MONTHLY = "monthly"
QUARTERLY = "quarterly"
ANNUAL = "annual"

MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


class PeriodError(ValueError):
    pass


def is_aligned(day: date, frequency: str) -> bool:
    if day.day != 1:
        return False
    if frequency == QUARTERLY:
        return day.month in (1, 4, 7, 10)
    if frequency == ANNUAL:
        return day.month == 1
    return True


def label(day: date, frequency: str) -> str:
    if frequency == QUARTERLY:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if frequency == ANNUAL:
        return str(day.year)
    return f"{day.year}-{day.month:02d}"


def step(day: date, frequency: str, count: int = 1) -> date:
    """The period `count` periods after `day` (before it when negative)."""
    months = {MONTHLY: 1, QUARTERLY: 3, ANNUAL: 12}[frequency] * count
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_QUARTER = re.compile(r"^(\d{4})\s*[- ]?\s*Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_MONTH_NAME = re.compile(r"^([A-Za-z]+)[\s\-/]+(\d{2}|\d{4})$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse(value: object, frequency: str) -> date:
    """The start of the period that `value` names, for a measure of this frequency.

    Accepts '2023-09', '2023-09-01', 'Sep 2023', 'September-23', '01/09/2023', '2003-Q3',
    '2003 Q3', '2004', and dates or datetimes (as read from spreadsheets). Raises PeriodError
    when the value is not a period, or is not the start of a period of this frequency.
    """
    if hasattr(value, "year") and hasattr(value, "month"):
        day = date(value.year, value.month, getattr(value, "day", 1))  # type: ignore[attr-defined]
        return _check(day, frequency, str(value))
    text = str(value).strip() if value is not None else ""
    if not text:
        raise PeriodError("The period is empty.")
    if m := _QUARTER.match(text):
        if frequency != QUARTERLY:
            raise PeriodError(f"'{text}' is a quarter but this measure is {frequency}.")
        return date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1)
    if m := _YEAR.match(text):
        if frequency != ANNUAL:
            raise PeriodError(f"'{text}' is a year but this measure is {frequency}.")
        return date(int(m[1]), 1, 1)
    try:
        if m := _ISO_MONTH.match(text):
            day = date(int(m[1]), int(m[2]), int(m[3]) if m[3] else 1)
        elif m := _DMY.match(text):
            day = date(int(m[3]), int(m[2]), int(m[1]))
        elif (m := _MONTH_NAME.match(text)) and m[1].lower() in MONTH_NAMES:
            year = int(m[2]) if len(m[2]) == 4 else 2000 + int(m[2])
            day = date(year, MONTH_NAMES[m[1].lower()], 1)
        else:
            raise PeriodError(f"'{text}' is not a period (use e.g. 2023-09, 2003-Q3 or 2004).")
    except ValueError as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"'{text}' is not a valid date.") from exc
    return _check(day, frequency, text)


def _check(day: date, frequency: str, text: str) -> date:
    if not is_aligned(day, frequency):
        expected = {
            MONTHLY: "the first day of a month",
            QUARTERLY: "the start of a calendar quarter (January, April, July or October)",
            ANNUAL: "the start of a year",
        }[frequency]
        raise PeriodError(f"'{text}' is not {expected}, as this {frequency} measure needs.")
    return day
