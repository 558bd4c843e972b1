"""`cleardesk` entry point: parse, build the context, dispatch, print, exit."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from app.domain.errors import UserFacingError
from app.i18n import detect_language, translate

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
    "app.cli.packaging",
)


def build_parser() -> argparse.ArgumentParser:
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
    for name in COMMAND_MODULES:
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
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--version" in argv:
        return print_version(argv)  # before building the whole parser: answers at once
    # Imported here, not at the top: `--version` must not wait for the database layer.
    from app.cli.framework import CliContext, Result, dump_json
    from app.db.engine import resolve_url

    parser = build_parser()
    args = parser.parse_args(argv)
    lang = args.lang or detect_language()
    url = resolve_url(args.db)
    if not args.command:
        from ui.main import run_gui  # imported only for the GUI: the CLI stays Qt-free

        return run_gui(url=url, lang=lang)
    from app.cli.security import make_actor_resolver

    ctx = CliContext(url=url, lang=lang, json=bool(getattr(args, "json", False)),
                     actor_resolver=make_actor_resolver(args.user))
    try:
        result: Result = args.handler(ctx, args)
    except UserFacingError as exc:
        message = exc.text(lang)
        if ctx.json:
            print(dump_json({"error": message, "kind": type(exc).__name__}))
        print(f"{translate('Error', lang)}: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(translate("Cancelled.", lang), file=sys.stderr)
        return 1
    finally:
        ctx.dispose()
    if ctx.json:
        print(dump_json(result.data))
    elif result.text:
        print(result.text)
    return result.exit_code
