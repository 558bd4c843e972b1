"""`cleardesk update-check [--folder DIR]`: is a newer ClearDesk package in the update folder?
`cleardesk screenshot FILE`: a picture of the main window, drawn offscreen (support, checks).

The folder is the office's `updateFolder` setting (`cleardesk config set updateFolder DIR`)
unless --folder names one. Only file names are read; nothing is downloaded or installed.
JSON: {"updateFolder", "current", "newer", "file"} (newer/file null when there is none).
Exit 0 either way; 1 when the folder cannot be read. Screenshot JSON: {"file", "seconds"}.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.framework import CliContext, Result
from app.i18n import render
from app.updates import check_folder, check_for_update


def register(sub: Any) -> None:
    p = sub.add_parser("update-check",
                       help="say whether the update folder holds a newer ClearDesk package")
    p.add_argument("--folder", metavar="DIR",
                   help="look in DIR instead of the updateFolder setting")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_update_check)
    shot = sub.add_parser("screenshot", help="save a picture of the main window (drawn "
                          "offscreen, no display needed) as a PNG file")
    shot.add_argument("file", type=Path, metavar="FILE")
    shot.add_argument("--json", action="store_true", help="print one JSON object")
    shot.set_defaults(handler=cmd_screenshot)


def cmd_update_check(ctx: CliContext, args: argparse.Namespace) -> Result:
    if args.folder is not None:
        check = check_folder(args.folder)
    else:
        with ctx.transaction() as session:
            check = check_for_update(session)
    unreadable = check.problem is not None and bool(check.folder)
    return Result(check.as_dict(), render(check.message(), ctx.lang),
                  exit_code=1 if unreadable else 0)


def cmd_screenshot(ctx: CliContext, args: argparse.Namespace) -> Result:
    actor = ctx.actor  # logs in (CLEARDESK_USER / --user) before anything is shown
    from ui.snapshot import save_main_window  # the GUI stack, only for this command

    seconds = save_main_window(ctx.url, ctx.lang, actor, args.file)
    return Result({"file": str(args.file), "seconds": round(seconds, 3)},
                  ctx.t("Saved a picture of the main window to {file}", file=str(args.file)))
