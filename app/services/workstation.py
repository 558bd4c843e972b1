"""Settings of this workstation: its exchange folder, label printer, scale, language …

They live in a small JSON file under the per-user config folder (platformdirs; env
`CLEARDESK_CONFIG_DIR` points elsewhere, e.g. a test's two "workstations"), one file per
database, so a clerk working on the office database and on a sorting centre's SQLite file keeps
two sets. The database still holds each key's office-wide default (values saved before settings
had a scope are exactly that): a workstation's own value wins once it sets one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from platformdirs import user_config_dir
from sqlalchemy.engine import make_url

APP_NAME = "ClearDesk"
CONFIG_DIR_ENV = "CLEARDESK_CONFIG_DIR"


def config_dir() -> Path:
    """The folder of this workstation's settings files."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(user_config_dir(APP_NAME, appauthor=False))


def settings_file(url: str) -> Path:
    """This workstation's settings file for the database at `url` (its password left out, so
    a changed password keeps the settings)."""
    u = make_url(url)
    shown = u.render_as_string(hide_password=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(u.database or "memory").name)[:40]
    digest = hashlib.sha256(shown.encode()).hexdigest()[:12]
    return config_dir() / "workstation" / f"{name}-{digest}.json"


def read_workstation_settings(url: str) -> dict[str, str]:
    """This workstation's own values for the database at `url` ({} when it has none; an
    unreadable file is treated as none rather than stopping the program)."""
    path = settings_file(url)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}
    values = data.get("settings", {}) if isinstance(data, dict) else {}
    return {str(k): str(v) for k, v in values.items() if isinstance(v, str)}


def write_workstation_setting(url: str, key: str, value: str | None) -> None:
    """Set (or with None, drop) one of this workstation's values; the file is replaced
    atomically and readable by its owner only."""
    path = settings_file(url)
    from app.reports.atomic import atomic_path  # only writers need it

    values = read_workstation_settings(url)
    if value is None:
        values.pop(key, None)
    else:
        values[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    shown = make_url(url).render_as_string(hide_password=True)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps({"database": shown, "settings": values}, ensure_ascii=False,
                                  indent=1, sort_keys=True), encoding="utf-8")
