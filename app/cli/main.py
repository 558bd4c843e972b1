"""`cleardesk` entry point: parse, build the context, dispatch, print, exit."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app import start_up_begins, start_up_done
from app.domain.errors import UserFacingError
from app.i18n import detect_language, translate

if TYPE_CHECKING:
    from app.cli.framework import CliContext

# Each module registers its own subcommands: register(subparsers) -> None.
COMMAND_MODULES: tuple[str, ...] = (
    "app.cli.core",
    "app.cli.precheck",
    "app.cli.security",
    "app.cli.submission",
    "app.cli.printing",
    "app.cli.routes",
    "app.cli.reports",
    "app.cli.intake",
    "app.cli.editing",
    "app.cli.station",
    "app.cli.reference",
    "app.cli.lifecycle",
    "app.cli.export_flow",
    "app.cli.tax",
    "app.cli.autopilot",
    "app.cli.packaging",
    "app.cli.transfer",
    "app.cli.classify",
    "app.cli.catalogue",
    "app.cli.dashboard",
)
# The module owning each top-level command: a run imports only the module of the command it
# runs (a cold `cleardesk list` must not load printing, reports, Excel or alembic).
# tests/db/test_cli_cold_start.py holds this to what the modules register.
COMMAND_OWNERS: dict[str, str] = {
    **dict.fromkeys(("init", "demo", "list", "show", "config"), "app.cli.core"),
    "check": "app.cli.precheck",
    **dict.fromkeys(("users", "audit", "unmask", "backup", "restore"), "app.cli.security"),
    **dict.fromkeys(("batch", "submit", "deliver", "receipts", "to-fix", "redeclare",
                     "simulate-customs"), "app.cli.submission"),
    "print": "app.cli.printing",
    "routes": "app.cli.routes",
    "export": "app.cli.reports",
    "import": "app.cli.intake",
    "edit": "app.cli.editing",
    **dict.fromkeys(("station", "bags"), "app.cli.station"),
    "reference": "app.cli.reference",
    **dict.fromkeys(("cancel", "return", "signed"), "app.cli.lifecycle"),
    "tax": "app.cli.tax",
    "autopilot": "app.cli.autopilot",
    **dict.fromkeys(("export-flow", "summary-application", "return-tally"),
                    "app.cli.export_flow"),
    **dict.fromkeys(("update-check", "screenshot"), "app.cli.packaging"),
    "transfer": "app.cli.transfer",
    "classify": "app.cli.classify",
    "catalogue": "app.cli.catalogue",
    "dashboard": "app.cli.dashboard",
}


def command_of(argv: Sequence[str]) -> str | None:
    """The top-level command named in `argv`, past the global options (None: none/unknown)."""
    pre = argparse.ArgumentParser(add_help=False)
    for option in ("--db", "--lang", "--user"):
        pre.add_argument(option)
    try:
        _, rest = pre.parse_known_args(argv)
    except SystemExit:  # a malformed global option: the full parser reports it
        return None
    return next((a for a in rest if not a.startswith("-")), None)


def opens_gui(argv: Sequence[str]) -> bool:
    """Whether `argv` starts the desktop application: no command and no help asked for."""
    return command_of(argv) is None and not any(
        a == "-h" or (a.startswith("--h") and "--help".startswith(a.split("=")[0]))
        for a in argv)


def build_parser(command: str | None = None, *, gui: bool = False) -> argparse.ArgumentParser:
    """The parser with every command, or only `command`'s module's when it is a known one, or
    none with `gui` (a start of the desktop application: `--db`, `--lang` and `--user`
    only; the command modules load Excel, PDF and the message schemas, ~0.7 s of CPU)."""
    parser = argparse.ArgumentParser(
        prog="cleardesk",
        description="ClearDesk — customs declarations for cross-border e-commerce parcels. "
        "With no command, opens the desktop application.",
    )
    parser.add_argument("--version", action="store_true",
                        help="show the version, git commit, build date and schema, and exit")
    parser.add_argument("--db", metavar="URL", help="database URL or SQLite file "
                        "(default: $CLEARDESK_DB, else the per-user data directory)")
    parser.add_argument("--lang", choices=("zh_CN", "en"), help="language of messages")
    parser.add_argument("--user", metavar="NAME", help="log in as this user "
                        "(default: $CLEARDESK_USER; password from $CLEARDESK_PASSWORD or a prompt)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    owner = COMMAND_OWNERS.get(command or "")
    for name in () if gui else (owner,) if owner else COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    _accept_user_anywhere(sub)
    return parser


def _accept_user_anywhere(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Let `--user NAME` follow the subcommand too (`cleardesk users list --user admin`)."""
    for parser in set(sub.choices.values()):
        if not any("--user" in a.option_strings for a in parser._actions):
            parser.add_argument("--user", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_user_anywhere(action)


def add_json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _save_checkpoint(ctx: CliContext) -> None:
    """After a command that opened the database: the audit chain's head to its checkpoint
    file (see app.security.checkpoints), so a later truncation or rewrite shows."""
    if ctx._engine is None:
        return
    from app.security.checkpoints import save_checkpoint_quietly

    save_checkpoint_quietly(ctx.url, ctx.read_sessions)  # reads only: never queues


def print_version(argv: Sequence[str]) -> int:
    import json

    from app.buildinfo import build_info

    lang = detect_language()
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    info = build_info()
    if "--json" in argv:
        print(json.dumps(info.as_dict(), ensure_ascii=False))  # not dump_json: no DB layer
    else:
        print(info.text(lang))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in `argv` (default: this process's command line) and return its exit
    code."""
    if argv is not None:
        return _run(list(argv))
    # No collection while the start-up's objects are made: the command's handler starts with
    # them frozen (see _run); the GUI's window takes collection over (ui.gc_policy). Not for
    # calls with an argv (tests, scripts): their process goes on.
    start_up_begins()
    code = _run(sys.argv[1:], process=True)
    # The process ends now: its objects need no last collection. Python's at exit went over
    # all of them (~50 ms of `cleardesk list`); frozen, they are left to the operating system.
    gc.freeze()
    return code


def _run(argv: list[str], *, process: bool = False) -> int:
    if "--version" in argv:
        return print_version(argv)  # before building the whole parser: answers at once
    # Imported here, not at the top: `--version` must not wait for the database layer.
    from app.cli.framework import CliContext, Result, dump_json
    from app.db.engine import resolve_url

    parser = build_parser(command_of(argv), gui=opens_gui(argv))
    args = parser.parse_args(argv)
    lang = args.lang or detect_language()
    url = resolve_url(args.db)
    if not args.command:
        from ui.main import run_gui  # imported only for the GUI: the CLI stays Qt-free

        return run_gui(url=url, lang=lang)
    from app.cli.security import make_actor_resolver
    from app.domain.terminal import escape_controls

    ctx = CliContext(url=url, lang=lang, json=bool(getattr(args, "json", False)),
                     actor_resolver=make_actor_resolver(args.user))
    if process:
        start_up_done()
    try:
        result: Result = args.handler(ctx, args)
    except UserFacingError as exc:
        message = exc.text(lang)
        if ctx.json:
            print(dump_json({"error": message, "kind": type(exc).__name__}))
        print(f"{translate('Error', lang)}: {escape_controls(message)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(translate("Cancelled.", lang), file=sys.stderr)
        return 1
    finally:
        _save_checkpoint(ctx)
        ctx.dispose()
    if ctx.json:
        print(dump_json(result.data))
    elif result.text:
        # Imported text may hold terminal escapes (ESC [ … m): show them, never obey them.
        print(escape_controls(result.text))
    return result.exit_code
