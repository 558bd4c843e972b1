"""What a declaration's check result depends on, as one stored fingerprint.

A result is a function of the declaration's own content (head and items as stored), its
status, the cross-record facts about it (annual totals, duplicates), the reference tables
(with the tariff and positive-list editions in force on its declaration date),
the office settings, the rule set, the restricted-goods list, the HS codes customs accepted
for its products (goods catalogue, as cross-record facts) and — for the buyer ID rule
only — whether the ID's birth date lies after "today". `check_declarations` stores the
fingerprint of all that with each result; a later run whose fingerprint for a declaration is
the same skips it (no rules, no writes). A change anywhere in the inputs changes the
fingerprint, so the property test (incremental == from scratch) holds by construction.

Content is named by the declaration's content revision, which the database itself moves
whenever the head or an item changes while a fingerprint is stored (triggers of migration
0017_incr21): deciding that a declaration is unchanged reads a few narrow columns
(app.precheck.plan), never its rows.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Setting
from app.reference.tables import ReferenceTables
from app.rules.context import CheckContext, CrossFacts
from app.rules.engine import RULES_VERSION
from app.rules.idcard import normalise_id_number

# Settings no rule can depend on (display, files, devices): changing them does not make
# every declaration look changed. Any other setting is part of the fingerprint.
UNRELATED_SETTINGS = frozenset({
    "language", "printerProfile", "idleLockMinutes", "backupRetention", "exchangeDir",
    "outboxName", "inboxName", "exchangeFileMode", "receiptMaxMB", "receiptSettleSeconds",
    "senderName", "senderAddress", "senderPhone",
})


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def reference_version(ref: ReferenceTables) -> bytes:
    """A digest of every code table entry and HS code (all their fields), so any change to the
    stored reference tables — a new edition, a code added or a rate changed — changes it."""
    parts = []
    for name in sorted(ref.tables):
        parts.append(repr((name, sorted(ref.tables[name].entries.items()))))
    parts.append(repr(sorted(ref.hs_codes.items())))
    # Loaded editions add the HS structure, the positive list and the edition's name (which
    # problem messages carry): each changes what a check finds or says.
    parts.append(repr(sorted(ref.hs_subheadings)))
    parts.append(repr(None if ref.positive_list is None else sorted(ref.positive_list.items())))
    parts.append(repr((ref.hs_edition, ref.list_edition)))
    return _digest("\n".join(parts).encode())


def settings_version(session: Session) -> bytes:
    rows = session.execute(select(Setting.key, Setting.value).order_by(Setting.key)).all()
    return _digest(repr([(k, v) for k, v in rows if k not in UNRELATED_SETTINGS]).encode())


def run_key(session: Session, ctx: CheckContext, ref_version: bytes | None = None) -> bytes:
    """The part of every fingerprint shared by a whole run (`ref_version`: the
    reference_version of ctx.ref, when already known)."""
    return _digest(repr((
        RULES_VERSION, ref_version or reference_version(ctx.ref), settings_version(session),
        sorted((t.term, t.category_zh, t.category_en) for t in ctx.restricted),
        str(ctx.single_limit), str(ctx.annual_limit),
    )).encode())


def revision_token(content_rev: int) -> bytes:
    """The content part of a fingerprint: the declaration's content revision, which the
    database moves whenever its head or items change while a fingerprint is stored
    (migration 0017_incr21), so the fingerprint is made without reading the content."""
    return b"rev:%d" % content_rev


def today_token(buyer_id: Any, today: str) -> bytes:
    """What "today" (YYYYMMDD, see `day_text`) means to the buyer ID rule for this ID: whether
    the 8 digits where an 18-character ID keeps its birth date are after today (the only rule
    reading the date; for a real date that is the rule's own comparison, for a digit string
    that is not a date the rule's finding does not depend on the day). Empty otherwise."""
    if type(buyer_id) is not str:
        return b""
    if len(buyer_id) != 18:  # the rule normalises spaces and a lowercase x away first
        buyer_id = normalise_id_number(buyer_id)
        if len(buyer_id) != 18:
            return b""
    digits = buyer_id[6:14]
    if not digits.isdigit():
        return b""
    return b"F" if digits > today else b"P"


def day_text(today: date) -> str:
    return today.strftime("%Y%m%d")


def fingerprint(key: bytes, content: bytes, status: str, facts: CrossFacts | None,
                today: bytes) -> str:
    fact_bytes = b"" if facts is None else repr(
        (str(facts.annual_used), facts.duplicate_waybill_of, facts.duplicate_order_of,
         facts.catalogue_hs)).encode()
    return hashlib.blake2b(b"\x1f".join((key, content, status.encode(), fact_bytes, today)),
                           digest_size=16).hexdigest()

