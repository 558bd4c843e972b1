#!/usr/bin/env bash
# CI for the installable package (called by .ci/run after the test suites):
# build the bundle and the .deb once, install it with dpkg, run it with no Python on PATH
# (packaging/smoke.sh), install a newer package over it (data and settings kept, an old
# database migrated with a backup, a newer database refused and left untouched), remove it
# (files gone, the user's data kept). Fails loudly on the first problem.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
fail() { echo "CI package: FAILED: $*" >&2; exit 1; }
step() { echo "== CI package: $* ($(date -u +%H:%M:%S))"; }
OUT="$(mktemp -d)"
HOME_DIR="$OUT/home"
mkdir -p "$HOME_DIR"
# The installed command, as a clerk runs it: system PATH only, a scratch home.
installed() { (cd "$OUT" && env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" LANG=C.UTF-8 \
  QT_QPA_PLATFORM=offscreen cleardesk "$@"); }

if dpkg-query -W -f '${Status}' cleardesk 2>/dev/null | grep -q 'ok installed'; then
  step "removing a cleardesk package left from an earlier run"
  dpkg -r cleardesk >/dev/null
fi

step "building the bundle and the .deb"
make deb
ARCH="$(dpkg --print-architecture)"
VERSION="$(dist/cleardesk/cleardesk --version --lang en | sed -n '1s/^ClearDesk //p')"
DEB="dist/cleardesk_${VERSION}_${ARCH}.deb"
[ -f "$DEB" ] || fail "no $DEB"
echo "bundle: $(du -sh dist/cleardesk | cut -f1), package: $(du -h "$DEB" | cut -f1)"

step "installing $DEB"
dpkg -i "$DEB"
[ -x /opt/cleardesk/cleardesk ] || fail "/opt/cleardesk/cleardesk missing"
[ "$(readlink /usr/bin/cleardesk)" = /opt/cleardesk/cleardesk ] || fail "/usr/bin/cleardesk"
grep -q '^Name\[zh_CN\]=' /usr/share/applications/cleardesk.desktop || fail "desktop entry"
[ -f /usr/share/icons/hicolor/scalable/apps/cleardesk.svg ] || fail "icon"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate /usr/share/applications/cleardesk.desktop || fail "desktop entry invalid"
fi

step "smoke test of the installed package (no Python on PATH)"
bash packaging/smoke.sh cleardesk "$OUT/smoke"

step "update: a newer package over this one keeps the data and settings"
installed demo --parcels 50 --seed 3 >/dev/null || fail "demo in the default data folder"
installed config set updateFolder "$OUT/updates" >/dev/null || fail "config set"
before="$(installed list --json | md5sum)"
DEB_VERSION="${VERSION}+ci1" DEB_COMPRESSION=none bash packaging/build_deb.sh dist/cleardesk "$OUT/newer"
dpkg -i "$OUT/newer/cleardesk_${VERSION}+ci1_${ARCH}.deb"
[ "$(dpkg-query -W -f '${Version}' cleardesk)" = "${VERSION}+ci1" ] || fail "newer package not installed"
[ "$(installed list --json | md5sum)" = "$before" ] || fail "declarations changed by the update"
installed config get updateFolder | grep -q "$OUT/updates" || fail "settings lost by the update"

step "update: an older database is migrated on first start, with a backup"
OLD_DB="$OUT/old.sqlite3"
.venv/bin/python - "$OLD_DB" <<'PY'
import sys
from alembic import command
from sqlalchemy import create_engine
from app.db.migrate import alembic_config
engine = create_engine(f"sqlite:///{sys.argv[1]}")
cfg = alembic_config()
with engine.begin() as conn:
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "0002")  # the schema of an older ClearDesk
PY
migrated="$(installed --db "$OLD_DB" init --json)" || fail "the installed package did not open an old database"
echo "$migrated"
grep -q '"backup": "' <<<"$migrated" || fail "no backup made before migrating"
ls "$OUT"/old.sqlite3.pre-0002-*.bak >/dev/null || fail "backup file missing"

step "update: a database from a newer ClearDesk is refused and left untouched"
.venv/bin/python - "$OLD_DB" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("UPDATE alembic_version SET version_num = '9999_future'")
con.commit()
con.close()
PY
sum_before="$(md5sum <"$OLD_DB")"
if installed --db "$OLD_DB" --lang en check 2>"$OUT/refused.txt"; then
  fail "a database of a newer schema was opened"
fi
grep -q 'newer version of ClearDesk' "$OUT/refused.txt" || fail "no clear refusal: $(cat "$OUT/refused.txt")"
[ "$(md5sum <"$OLD_DB")" = "$sum_before" ] || fail "the refused database was changed"

step "removing the package"
dpkg -r cleardesk
[ ! -e /opt/cleardesk ] || fail "/opt/cleardesk left behind"
[ ! -e /usr/bin/cleardesk ] && [ ! -L /usr/bin/cleardesk ] || fail "/usr/bin/cleardesk left behind"
[ ! -e /usr/share/applications/cleardesk.desktop ] || fail "desktop entry left behind"
[ -f "$HOME_DIR/.local/share/ClearDesk/cleardesk.sqlite3" ] || fail "the user's database was removed"
dpkg --purge cleardesk >/dev/null  # dpkg's own record (it keeps postrm until a purge)
if dpkg-query -W -f '${Status}' cleardesk 2>/dev/null | grep -qv 'not-installed'; then
  fail "dpkg still lists cleardesk after the purge"
fi
rm -rf "$OUT"
echo "CI package: green"
