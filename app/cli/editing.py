"""`cleardesk edit`: change head fields of one declaration, as the editor saves them.

    cleardesk edit ORD0001 buyerIdNumber=11010519491231002X voyageNo=CA1234

Goes through `app.services.editing.save_declaration` (permission, not-editable statuses,
re-check, audit with identity numbers and phones masked). A new resident ID must pass its
check digit first; the output shows personal data masked.
"""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.framework import CliContext, Result
from app.domain.clock import beijing_today
from app.domain.errors import ValidationError
from app.domain.fields import HEAD_BY_NAME
from app.i18n import N_
from app.services.declarations import find_declaration_id
from app.services.editing import load_snapshot, save_declaration
from app.services.history import describe_event
from app.services.write_only import is_id_field, new_id_problem, normalised


def register(sub: Any) -> None:
    p = sub.add_parser("edit", help="change fields of one declaration (FIELD=VALUE, CEB names)")
    p.add_argument("key", help="declaration id, order number or waybill number")
    p.add_argument("values", nargs="+", metavar="FIELD=VALUE",
                   help="e.g. buyerIdNumber=11010519491231002X; an empty VALUE clears")
    p.add_argument("--reason", default=None, help="recorded in the audit trail")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_edit)


def _parse(values: list[str]) -> dict[str, str]:
    head: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in HEAD_BY_NAME:
            raise ValidationError(N_("'{item}' is not FIELD=VALUE with a declaration field "
                                     "name such as buyerIdNumber."), item=item)
        head[name] = normalised(name, value) if is_id_field(name) else value
    return head


def cmd_edit(ctx: CliContext, args: argparse.Namespace) -> Result:
    head = _parse(list(args.values))
    with ctx.transaction() as session:
        decl_id = find_declaration_id(session, args.key)
        snap = load_snapshot(session, ctx.actor, decl_id)
        for name, value in head.items():
            problem = new_id_problem(name, value, {**snap.head, **head}, beijing_today())
            if value and problem is not None:
                raise ValidationError(problem.msgid, **problem.params)
        result = save_declaration(session, ctx.actor, decl_id, snap.version, head,
                                  reason=args.reason)
    changes = [c.as_audit_json() for c in result.changes]
    data = {"id": result.id, "version": result.version, "status": result.status,
            "changes": changes}
    if not changes:
        return Result(data, ctx.t("Nothing to save."))
    text = describe_event({"action": "declaration.update", "details": {"changes": changes}},
                          ctx.lang)
    lines = [ctx.t("Declaration {id} saved ({n} change(s)).", id=result.id, n=len(changes)),
             *(f"  {line}" for line in text.lines)]
    return Result(data, "\n".join(lines))
