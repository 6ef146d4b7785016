"""The entrants export for staff (CSV): contact details, entries and votes; marketing columns only for members who
agree now, dated from when they last gave consent (consent_events), so staff can show when it was given."""

from __future__ import annotations

import csv
import io
from typing import Iterator

from sqlalchemy import and_, select

from ... import policy
from ...extensions import db
from ...models import ContestEntrant, ContestEntry, User
from .. import consent
from . import contests

E = ContestEntry

EXPORT_COLUMNS = [
    "user_id",
    "display_name",
    "contact_email",
    "full_name",
    "phone",
    "postal_address",
    "accepted_rules_at",
    "entry_id",
    "entry_state",
    "caption",
    "entered_at",
    "votes",
    "winner_rank",
    "marketing_consent",
    "marketing_email",
    "marketing_consent_at",
]


# A cell starting with one of these is a formula to Excel, LibreOffice or Sheets (OWASP's CSV injection list, the
# line breaks and NUL ASVS adds, and the full-width forms CJK Excel converts).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_cell(value) -> str:
    """A cell that starts like a formula is prefixed with ' so spreadsheets show it as text."""
    if value is None:
        return ""
    value = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _export_rows(contest_id: int):
    CE = ContestEntrant
    return (
        select(
            User.id,
            User.name,
            User.email,
            CE.full_name,
            CE.phone,
            CE.postal_address,
            CE.accepted_rules_at,
            E.id,
            E.state,
            E.caption,
            E.created_at,
            E.votes,
            E.winner_rank,
            User.marketing_consent,  # consent as it stands now, not as it was at entry
            consent.given_at_column(User.id),
        )
        .join(CE, and_(CE.user_id == User.id, CE.contest_id == contest_id))
        .outerjoin(E, and_(E.user_id == User.id, E.contest_id == contest_id))
        .order_by(User.id, E.id)
    )


def export_csv(actor, contest_id) -> Iterator[str]:
    """Entrants with their entries and votes; marketing columns are filled only for those who consent now.

    Checks run now; rows are read while the body streams, after the request's session has gone (gunicorn), so
    they come from a connection of their own, as plain tuples, a thousand at a time.
    """
    policy.require(actor, "contest.export_entrants")
    contest_id = contests.get(contest_id).id
    engine = db.engine

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # Excel reads a CSV as UTF-8 only after this mark
        writer.writerow(EXPORT_COLUMNS)
        with engine.connect() as conn:
            result = conn.execution_options(yield_per=1000).execute(_export_rows(contest_id))
            for partition in result.partitions():
                for row in partition:
                    *values, consent, consent_at = row
                    email = values[2]
                    writer.writerow(
                        [
                            spreadsheet_cell(v)
                            for v in (
                                *values,
                                "yes" if consent else "no",
                                email if consent else None,
                                consent_at if consent else None,
                            )
                        ]
                    )
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return lines()
