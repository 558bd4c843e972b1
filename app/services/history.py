"""A declaration's history in words: one translated sentence per audit event, plus its details.

Every action the code audits (`record_event`, `AuditRecord`) has a sentence in `ACTION_TEXTS`
(a test scans `app/` and fails on an action without one). Details of any shape are rendered
defensively: changes as a list of `{field, gnum, before, after}` (the editor, bulk edits) or as
a dict `field → [before, after]` (re-imports), receipts as `declaration → [code, status]`.
Nothing here raises on odd data: an unknown action or a malformed entry falls back to a generic
line, so a history entry can never stop a declaration from opening.

Identity numbers and phones in values are masked (by field, then by pattern) unless the caller
passes `masked=False` for an actor who has unmasked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.fields import HEAD_BY_NAME, ITEM_BY_NAME, field_label
from app.domain.status import DeclarationStatus
from app.i18n import N_, translate
from app.security.masking import DEFAULT_MASKED_KINDS, mask_field, redact_text

log = logging.getLogger(__name__)

MAX_DETAIL_LINES = 12

# action → sentence; `{name}` placeholders come from the event's details (missing ones show
# as "-"). Keys ending in ".*" cover actions built at run time (f"print.{document}").
ACTION_TEXTS: dict[str, str] = {
    "declaration.update": N_("Edited"),
    "declaration.status": N_("Status changed: {from_status} → {to_status}"),
    "declaration.bulk_update": N_("Changed in a bulk edit"),
    "declaration.bulk_undo": N_("Bulk edit undone"),
    "problem.acknowledge": N_("Warning acknowledged: {field_label}"),
    "import.file": N_("Imported from {file}: {declarations} new, {updated} updated"),
    "import.profile.create": N_("Import mapping profile created"),
    "import.profile.update": N_("Import mapping profile updated"),
    "receipt.apply": N_("Customs receipt applied from {file}"),
    "message.write": N_("Message {file} handed to the exchange folder"),
    "batch.create": N_("Batch {batch} created with {declarations} declaration(s)"),
    "batch.edit": N_("Batch transport data changed"),
    "batch.dissolve": N_("Batch {batch} dissolved"),
    "batch.export": N_("Batch {batch} messages copied to {folder}"),
    "batch.submit": N_("Batch {batch} submitted: {messages} message(s)"),
    "summary.apply": N_("Monthly summary {month} applied for: {inventories} inventories of "
                        "{ebcCode}"),
    "export.*": N_("Batch {batch}: export chain step for {parcels} parcel(s)"),
    "export.waybills": N_("Batch {batch}: export waybills sent for {parcels} parcel(s)"),
    "export.arrival": N_("Batch {batch}: arrival of {parcels} parcel(s) reported"),
    "export.manifest": N_("Batch {batch}: master-bill list of {parcels} parcel(s) filed"),
    "export.departure": N_("Batch {batch}: departure of {parcels} parcel(s) reported"),
    "print.reprint": N_("Reprinted: {document_name}"),
    "print.label": N_("Labels printed: {count}"),
    "print.cn22": N_("CN22/CN23 forms printed: {count}"),
    "print.manifest": N_("Manifest printed: {rows} row(s)"),
    "print.thermal": N_("Sent to the thermal printer ({profile})"),
    "print.*": N_("Printed: {document_name}"),
    "unmask": N_("Personal data shown in full ({purpose})"),
    "export.summary": N_("Summary workbook exported ({from} to {to})"),
    "export.declarations": N_("Declarations exported: {rows} row(s)"),
    "export.evidence": N_("Evidence pack exported: {file}"),
    "settings.change": N_("Settings changed"),
    "autopilot.pause": N_("Autopilot paused"),
    "autopilot.resume": N_("Autopilot resumed"),
    "autopilot.rule_save": N_("Batching rule {name} saved and approved"),
    "autopilot.workstation": N_("Workstation running the autopilot: “{before}” → “{after}”"),
    "demo.generate": N_("Demo data generated: {declarations} declaration(s)"),
    "user_add": N_("User {name} added"),
    "user_enable": N_("User {name} enabled"),
    "user_disable": N_("User {name} disabled"),
    "user_role": N_("Role of user {name} changed"),
    "user_password": N_("Password of user {name} changed"),
    "login": N_("Signed in"),
    "logout": N_("Signed out"),
    "declaration.send": N_("Submitted to customs in batch {batch}"),
    "declaration.copy": N_("{count} row(s) copied with full personal data"),
    "declaration.cancel_request": N_("Cancellation requested from customs"),
    "declaration.return_request": N_("Return registered with customs"),
    "declaration.return_tally": N_("Returned parcel tallied in at the site ({coElNo})"),
    "export.site_arrival": N_("Scanned in at the site for batch {batch}"),
    "declaration.*": N_("Request sent to customs ({action})"),
    "waybill.signed": N_("Waybill {logisticsNo} reported as signed for"),
    "message.record": N_("Message recorded: {file}"),
    "reference.import": N_("Reference edition {edition} loaded: {added} added, {removed} removed, "
                           "{changed} changed"),
    "export.tax_reconcile": N_("Tax reconciliation exported: {declarations} declaration(s), "
                               "{mismatches} mismatch(es)"),
    "bag.open": N_("Bag opened for route {route}"),
    "transfer.export": N_("Hand-over file {file} written: {declarations} declaration(s) from "
                          "site {site}"),
    "transfer.import": N_("Hand-over file {file} from site {site} imported: "
                          "{declarationsAdded} added, {declarationsSkipped} already here, "
                          "{conflicts} conflict(s)"),
    "bag.add": N_("Put into a bag for route {route}"),
    "bag.close": N_("Bag closed: route {route}, {parcels} parcel(s)"),
    "station.weigh": N_("Weighed at the station: {measured} kg (declared {declared} kg)"),
    "station.release": N_("Released from the weight hold"),
    "settings.apply_open": N_("Empty fields filled from the office settings (run {run})"),
    "settings.apply_open_undo": N_("Office settings fill undone (run {run})"),
    "routes.import": N_("Route table imported: {rows} row(s)"),
    "login_failed": N_("Sign-in failed"),
    "account_locked": N_("Account locked"),
    "catalogue.set": N_("Goods catalogue: {key} classified"),
    "catalogue.propose": N_("Goods catalogue: classification of {key} proposed"),
    "catalogue.confirm": N_("Goods catalogue: {key} confirmed"),
    "catalogue.learn": N_("Goods catalogue learnt from released declarations: {added} added, "
                          "{confirmed} confirmed"),
    "catalogue.classify": N_("Goods catalogue: {key} classified as {gcode}, {lines} goods "
                             "line(s) filled"),
    "catalogue.classify_undo": N_("Goods catalogue: classification of {key} undone"),
    "catalogue.export": N_("Goods catalogue exported: {rows} entries"),
    "catalogue.import": N_("Goods catalogue imported from {file}: {added} added, {changed} "
                           "changed"),
    "backup": N_("Database backed up to {file}"),
    "restore": N_("Database restored from {file}"),
}
# A more precise sentence when the details carry the key.
VARIANTS: dict[tuple[str, str], str] = {
    ("declaration.update", "import_job"): N_("Updated by a re-import (import job {import_job})"),
    ("declaration.status", "by"): N_("Pre-check: {from_status} → {to_status}"),
    ("declaration.status", "event"): N_("{event_text}: {from_status} → {to_status}"),
}
GENERIC = N_("Other change ({action})")
UNREADABLE = N_("An entry that could not be read ({action})")

EVENT_TEXTS: dict[str, str] = {
    "check_passed": N_("Pre-check passed"),
    "check_failed": N_("Pre-check failed"),
    "edited": N_("Edited"),
    "batched": N_("Put into a batch"),
    "batch_dissolved": N_("Batch dissolved"),
    "sent": N_("Sent to customs"),
    "receipt": N_("Customs receipt {messageType} {returnStatus}"),
    "cancel": N_("Cancelled"),
    "redeclare": N_("Re-declared"),
}
DOCUMENT_TEXTS: dict[str, str] = {
    "label": N_("labels"),
    "cn22": N_("CN22/CN23 forms"),
    "manifest": N_("manifest"),
}


@dataclass(frozen=True)
class HistoryText:
    title: str
    lines: tuple[str, ...]


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "-"


def _fill(msgid: str, lang: str, values: Mapping[str, Any]) -> str:
    params = _Defaults({k: _plain(v) for k, v in values.items()})
    try:
        return translate(msgid, lang).format_map(params)
    except (ValueError, IndexError, AttributeError, KeyError):
        return msgid.format_map(params)  # a broken translation falls back to English


def _plain(value: Any) -> str:
    if value is None or value == "":
        return "∅"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, dict | list | tuple):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        return text if len(text) <= 80 else text[:79] + "…"
    return str(value)


def action_text(action: str) -> str | None:
    """The msgid describing `action`, or None when the registry has none."""
    if action in ACTION_TEXTS:
        return ACTION_TEXTS[action]
    head, _, _ = action.rpartition(".")
    return ACTION_TEXTS.get(f"{head}.*") if head else None


def status_text(status: Any, lang: str) -> str:
    try:
        return translate(DeclarationStatus(str(status)).label, lang)
    except ValueError:
        return _plain(status)


def describe_event(event: Mapping[str, Any], lang: str, *, declaration_id: int | None = None,
                   masked: bool = True) -> HistoryText:
    """`event` as `get_detail()` lists it (`action`, `details`, `reason` …) in words."""
    action = str(event.get("action") or "")
    try:
        return _describe(action, event, lang, declaration_id, masked)
    except Exception:  # an odd entry must not stop the declaration from opening
        log.exception("history entry %r could not be described", action)
        return HistoryText(_fill(UNREADABLE, lang, {"action": action}), ())


def _describe(action: str, event: Mapping[str, Any], lang: str, declaration_id: int | None,
              masked: bool) -> HistoryText:
    raw = event.get("details")
    details: dict[str, Any] = dict(raw) if isinstance(raw, Mapping) else {}
    reason = event.get("reason")
    if masked:  # identity and phone numbers anywhere in the values (fields are masked below)
        details = {k: _redacted(v) for k, v in details.items()}
        reason = _redacted(reason)
    values: dict[str, Any] = {**details, "action": action}
    values["from_status"] = status_text(details.get("from"), lang)
    values["to_status"] = status_text(details.get("to"), lang)
    document = str(details.get("document") or action.rpartition(".")[2])
    values["document_name"] = translate(DOCUMENT_TEXTS.get(document, document), lang)
    if "field" in details:
        values["field_label"] = _field_name(details.get("field"), details.get("gnum"), lang)
    kind = details.get("event")
    if isinstance(kind, str) and kind in EVENT_TEXTS:
        values["event_text"] = _fill(EVENT_TEXTS[kind], lang, details)
    msgid = action_text(action) or GENERIC
    for (variant_action, key), text in VARIANTS.items():
        if variant_action == action and details.get(key) is not None and (
                key != "event" or "event_text" in values):
            msgid = text
            break
    title = _fill(msgid, lang, values)
    lines = _change_lines(details.get("changes"), action, lang, declaration_id, masked)
    if isinstance(details.get("items"), int) and action == "declaration.update":
        lines.append(_fill(N_("{n} goods line(s) replaced"), lang, {"n": details["items"]}))
    if action in ("settings.change", "user_role") and ("before" in details
                                                       or "after" in details):
        lines.append(_arrow(details.get("before"), details.get("after")))
    if action == "declaration.status" and details.get("hsEdition"):
        lines.append(_fill(N_("Checked against tariff edition {hsEdition}"), lang, details))
    if reason and not (reason == "import" and "import_job" in details):
        lines.append(_fill(N_("Reason: {reason}"), lang, {"reason": reason}))
    if len(lines) > MAX_DETAIL_LINES:
        more = len(lines) - MAX_DETAIL_LINES
        lines = [*lines[:MAX_DETAIL_LINES], _fill(N_("… and {n} more"), lang, {"n": more})]
    return HistoryText(title, tuple(lines))


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    return value


def _field_name(field: Any, gnum: Any, lang: str) -> str:
    name = str(field) if field is not None else "-"
    is_item = gnum not in (None, "", 0)
    label = field_label(name, is_item, lang)
    return f"#{gnum} {label}" if is_item else label


def _arrow(before: Any, after: Any) -> str:
    return f"{_plain(before)} → {_plain(after)}"


def _mask(field: str, value: Any, masked: bool) -> Any:
    return mask_field(field, value, DEFAULT_MASKED_KINDS) if masked else value


def _change_lines(changes: Any, action: str, lang: str, declaration_id: int | None,
                  masked: bool) -> list[str]:
    if not changes:
        return []
    if isinstance(changes, Mapping):
        if action == "receipt.apply":
            return _receipt_lines(changes, lang, declaration_id)
        return [_pair_line(str(key), value, lang, masked) for key, value in changes.items()]
    if isinstance(changes, list | tuple):
        return [_entry_line(entry, lang, masked) for entry in changes]
    return [_plain(changes)]


def _pair_line(key: str, value: Any, lang: str, masked: bool) -> str:
    """`field: [before, after]` (a re-import) or any other key/value pair."""
    known = key in HEAD_BY_NAME or key in ITEM_BY_NAME
    name = field_label(key, key not in HEAD_BY_NAME, lang) if known else key
    if isinstance(value, list | tuple) and len(value) == 2:
        before, after = (_mask(key, v, masked) for v in value)
        return f"{name}: {_arrow(before, after)}"
    return f"{name}: {_plain(_mask(key, value, masked))}"


def _entry_line(entry: Any, lang: str, masked: bool) -> str:
    """One `{field, gnum, before, after}` change (the editor, bulk edits)."""
    if not isinstance(entry, Mapping):
        return _plain(entry)
    field, gnum = entry.get("field"), entry.get("gnum")
    before = _mask(str(field), entry.get("before"), masked)
    after = _mask(str(field), entry.get("after"), masked)
    if field == "gnum" and gnum not in (None, ""):
        if before is None:
            return _fill(N_("Goods line #{gnum} added"), lang, {"gnum": gnum})
        if after is None:
            return _fill(N_("Goods line #{gnum} removed"), lang, {"gnum": gnum})
    return f"{_field_name(field, gnum, lang)}: {_arrow(before, after)}"


def _receipt_lines(changes: Mapping[str, Any], lang: str, declaration_id: int | None) -> list[str]:
    out = []
    for key, value in changes.items():
        if declaration_id is not None and str(key) != str(declaration_id):
            continue
        code, status = (value if isinstance(value, list | tuple) and len(value) == 2
                        else (value, None))
        out.append(_fill(N_("Return status {code}: now {status}"), lang,
                         {"code": code, "status": status_text(status, lang)}))
    return out
