"""Checks for single values (dates, emails, UK phone numbers, web addresses, postcodes).

Each returns None when the value is fine, or a short explanation of what is wrong written for a
content editor. Used by both the site.yaml reader and the front-matter validator.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Local part and domain as people actually write them; the domain needs a dot and a TLD.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)
# UK postcodes in their official format (outward code, space optional, inward code).
_POSTCODE = re.compile(
    r"^(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2})$", re.IGNORECASE
)
_SHORT_NUMBERS = {"111", "999", "112", "101", "105", "119"}


def parse_iso_date(value: object) -> date | None:
    """The date a `YYYY-MM-DD` value names, or None if it is not a real date in that form."""
    if isinstance(value, date):
        return value
    match = _ISO_DATE.match(str(value).strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def date_problem(value: object) -> str | None:
    text = str(value).strip()
    match = _ISO_DATE.match(text)
    if not match:
        return f"'{text}' is not a date written YYYY-MM-DD, like 2026-09-30"
    if parse_iso_date(text) is None:
        return f"'{text}' is not a real date (check the day and month)"
    return None


def email_problem(value: str) -> str | None:
    if _EMAIL.match(value.strip()):
        return None
    return f"'{value}' is not an email address; write it like team@council.gov.uk"


def phone_problem(value: str) -> str | None:
    """UK numbers: 0 followed by 9 or 10 digits, or +44 and the same without the 0."""
    text = value.strip()
    if re.search(r"[^0-9+ ()-]", text):
        return (
            f"'{value}' should be a phone number only, like 01632 960123; "
            "put opening times or other notes in their own fields"
        )
    digits = re.sub(r"[ ()-]", "", text)
    if digits in _SHORT_NUMBERS or re.fullmatch(r"116\d{3}", digits):
        return None
    if digits.startswith("+44"):
        digits = "0" + digits[3:].removeprefix("0")
    if re.fullmatch(r"0\d{9,10}", digits) and "+" not in digits:
        return None
    return f"'{value}' is not a UK phone number; write it like 01632 960123"


def url_problem(value: str) -> str | None:
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        return f"'{value}' is not a full web address; write it like https://www.example.org/page"
    host = parts.hostname or ""
    if "." not in host and host != "localhost":
        return f"'{value}' has no proper host name; write it like https://www.example.org/page"
    return None


def postcode_problem(value: str) -> str | None:
    if _POSTCODE.match(value.strip()):
        return None
    return f"'{value}' is not a UK postcode; write it like AV1 2BD"


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th
