"""One realistic audit event per action app/ writes (details shaped as the writer shapes them),
with the English sentence the history must show for it. `tests/audit_actions.py` finds the
actions; a test fails when one has no sample here."""

from __future__ import annotations

from typing import Any

# action → (details, reason, the English history title)
SAMPLES: dict[str, tuple[dict[str, Any], str | None, str]] = {
    "declaration.update": (
        {"version": 3, "changes": [
            {"field": "buyerName", "gnum": None, "before": "张伟", "after": "李娜"},
            {"field": "gname", "gnum": 1, "before": "奶粉", "after": "奶粉 新包装"},
            {"field": "gnum", "gnum": 2, "before": None, "after": 2},
            {"field": "buyerIdNumber", "gnum": None, "before": "110105194912310029",
             "after": "11010519491231002X"}]},
        None, "Edited"),
    "declaration.status": ({"from": "draft", "to": "ready", "by": "precheck"}, None,
                           "Pre-check: Draft → Ready"),
    "declaration.bulk_update": (
        {"bulk": "ab12", "changes": [{"field": "freight", "gnum": None, "before": "10",
                                      "after": "12"}],
         "operation": {"kind": "set", "field": "freight", "value": "12", "find": None}},
        None, "Changed in a bulk edit"),
    "declaration.bulk_undo": (
        {"bulk": "ab12", "changes": [{"field": "freight", "gnum": None, "before": "12",
                                      "after": "10"}]}, None, "Bulk edit undone"),
    "problem.acknowledge": ({"code": "PHONE", "field": "buyerTelephone", "gnum": None},
                            "The buyer confirmed the number by phone",
                            "Warning acknowledged: Buyer telephone"),
    "import.file": ({"file": "orders.xlsx", "sha256": "00", "rows": 3, "declarations": 2,
                     "items": 3, "updated": 1, "duplicates": 0, "rejected_rows": 0,
                     "refused": False}, None, "Imported from orders.xlsx: 2 new, 1 updated"),
    "import.profile.create": ({"mapping": {"orderNo": "订单号"}}, None,
                              "Import mapping profile created"),
    "import.profile.update": ({"mapping": {"orderNo": "订单号"}}, None,
                              "Import mapping profile updated"),
    "receipt.apply": ({"file": "CEB622_1.xml", "sha256": "00", "changes": {"1": ["800",
                                                                             "released"]}},
                      None, "Customs receipt applied from CEB622_1.xml"),
    "message.write": ({"file": "CEB621_B1.xml", "declarations": 3}, None,
                      "Message CEB621_B1.xml handed to the exchange folder"),
    "batch.create": ({"batch": "B20261204001", "declarations": 3}, None,
                     "Batch B20261204001 created with 3 declaration(s)"),
    "batch.edit": ({"changes": {"trafNo": "CA1234", "voyageNo": "V1"}}, None,
                   "Batch transport data changed"),
    "batch.dissolve": ({"batch": "B20261204001", "declarations": 3}, None,
                       "Batch B20261204001 dissolved"),
    "batch.export": ({"batch": "B20261204001", "folder": "/media/usb", "files": 2}, None,
                     "Batch B20261204001 messages copied to /media/usb"),
    "batch.submit": ({"batch": "B20261204001", "messages": 1, "declarations": 3}, None,
                     "Batch B20261204001 submitted: 1 message(s)"),
    "print.reprint": ({"document": "label"}, "Label torn", "Reprinted: labels"),
    "print.label": ({"file": "labels.pdf", "pages": 3, "count": 3, "reprinted": 0}, None,
                    "Labels printed: 3"),
    "print.cn22": ({"file": "cn22.pdf", "pages": 1, "count": 1, "reprinted": 0}, None,
                   "CN22/CN23 forms printed: 1"),
    "print.thermal": ({"kind": "label", "profile": "zpl-203", "target": "tcp://10.0.0.9:9100",
                       "bytes": 4096}, None, "Sent to the thermal printer (zpl-203)"),
    "print.manifest": ({"file": "manifest.pdf", "pages": 1, "rows": 3}, None,
                       "Manifest printed: 3 row(s)"),
    "unmask": ({"purpose": "view", "count": 1, "ids": [1]}, "Buyer called about customs",
               "Personal data shown in full (view)"),
    "export.summary": ({"from": "2026-12-01", "to": "2026-12-04", "platform": None,
                        "batchId": None}, None,
                       "Summary workbook exported (2026-12-01 to 2026-12-04)"),
    "export.declarations": ({"rows": 3, "format": "xlsx", "masked": ["id_number"]}, None,
                            "Declarations exported: 3 row(s)"),
    "export.evidence": ({"file": "evidence.zip", "missing": []}, None,
                        "Evidence pack exported: evidence.zip"),
    "settings.change": ({"before": "5141", "after": "5142"}, None, "Settings changed"),
    "demo.generate": ({"declarations": 600, "items": 900, "seed": 21}, None,
                      "Demo data generated: 600 declaration(s)"),
    "user_add": ({"name": "wang", "role": "clerk"}, None, "User wang added"),
    "user_enable": ({"name": "wang"}, None, "User wang enabled"),
    "user_disable": ({"name": "wang"}, None, "User wang disabled"),
    "user_role": ({"name": "wang", "before": "clerk", "after": "supervisor"}, None,
                  "Role of user wang changed"),
    "user_password": ({"name": "wang", "reset": True}, None, "Password of user wang changed"),
    "login": ({}, None, "Signed in"),
    "logout": ({}, None, "Signed out"),
    "bag.open": ({"route": "GD-020", "station": "bench-1"}, None, "Bag opened for route GD-020"),
    "bag.add": ({"route": "GD-020"}, None, "Put into a bag for route GD-020"),
    "bag.close": ({"route": "GD-020", "parcels": 12, "weight": "8.250"}, None,
                  "Bag closed: route GD-020, 12 parcel(s)"),
    "station.weigh": ({"measured": "1.240", "declared": "1.200", "state": "ok",
                       "station": "bench-1"}, None,
                      "Weighed at the station: 1.240 kg (declared 1.200 kg)"),
    "station.release": ({"holds": 1}, "scale recalibrated", "Released from the weight hold"),
    "declaration.copy": ({"count": 3, "unmasked": True, "ids": [1, 2, 3]}, None,
                         "3 row(s) copied with full personal data"),
    "declaration.send": ({"batch": "B20261204-001"}, None,
                         "Submitted to customs in batch B20261204-001"),
    "settings.apply_open": ({"run": "R7", "changes": [
        {"field": "ebpCode", "before": None, "after": "4401986XYZ"}]}, None,
        "Empty fields filled from the office settings (run R7)"),
    "settings.apply_open_undo": ({"run": "R7", "changes": []}, None,
                                 "Office settings fill undone (run R7)"),
    "routes.import": ({"file": "/srv/routes.csv", "before": 12, "rows": 40}, None,
                      "Route table imported: 40 row(s)"),
    "login_failed": ({"reason": "password", "attempts_left": 2}, None, "Sign-in failed"),
    "account_locked": ({"until": "2026-12-04T18:00:00+00:00"}, None, "Account locked"),
    "backup": ({"file": "/srv/copies/cd-20261204.sqlite3"}, None,
               "Database backed up to /srv/copies/cd-20261204.sqlite3"),
    "restore": ({"file": "/srv/copies/cd-20261204.sqlite3", "revision": "0002",
                 "replaced_copy": None}, None,
                "Database restored from /srv/copies/cd-20261204.sqlite3"),
}
# Actions built at run time (`f"print.{document}"`): the values they take.
EXPANSIONS: dict[str, tuple[str, ...]] = {"print.*": ("print.label", "print.cn22")}


def sample_actions(written: set[str]) -> list[str]:
    """The concrete actions to write for `written` (as found in app/)."""
    out: list[str] = []
    for action in sorted(written):
        out.extend(EXPANSIONS.get(action, (action,)))
    return out
