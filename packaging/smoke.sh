#!/usr/bin/env bash
# Check an installed (or freshly built) ClearDesk package the way a clerk's workstation runs
# it: no Python environment on PATH, a scratch home, no network use.
#   packaging/smoke.sh [CLEARDESK] [OUT_DIR]
# CLEARDESK: the command to check (default: `cleardesk` found on /usr/bin:/bin).
# OUT_DIR keeps the database, the label PDF and the screenshot (default: a temporary folder).
# Fails loudly (non-zero, with what broke) on the first problem.
set -euo pipefail
CMD="${1:-cleardesk}"
OUT="${2:-$(mktemp -d)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }

# Only the system's own folders on PATH: no venv, no pyenv, no PYTHONPATH, a clean home.
run() {
  env -i PATH=/usr/bin:/bin HOME="$OUT/home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    "$CMD" "$@"
}
mkdir -p "$OUT/home"
cd "$OUT"  # nothing from the checkout may be picked up from the working folder
if [ "$CMD" = cleardesk ]; then
  CMD="$(env -i PATH=/usr/bin:/bin sh -c 'command -v cleardesk')" || fail "cleardesk is not on PATH"
fi
echo "smoke: checking $CMD"
DB="$OUT/smoke.sqlite3"
rm -f "$DB" "$DB".*

version="$(run --version --lang en)" || fail "--version"
echo "$version"
grep -q '^ClearDesk [0-9]' <<<"$version" || fail "--version does not name the version"
grep -q '^Database schema: [0-9]' <<<"$version" || fail "--version has no schema"
grep -q '^Built: [0-9]' <<<"$version" || fail "--version has no build date (not a packaged build?)"

run --db "$DB" --lang en init >/dev/null || fail "init"
run --db "$DB" --lang en demo --parcels 200 --seed 7 || fail "demo"
run --db "$DB" --lang zh_CN check >"$OUT/check.txt" || fail "check"
grep -q 'HS_UNKNOWN\|RESTRICTED_GOODS' "$OUT/check.txt" || fail "check found none of the demo's problems"

run --db "$DB" --lang en print labels --ids 1 2 3 --force -o "$OUT/labels.pdf" || fail "print labels"
fonts="$(pdffonts "$OUT/labels.pdf")" || fail "pdffonts could not read the labels"
echo "$fonts"
grep -Eq 'WenQuanYi.* yes +yes' <<<"$fonts" || fail "the bundled CJK font is not embedded in the labels"

run --db "$DB" --lang zh_CN screenshot "$OUT/main-window.png" || fail "GUI screenshot"
[ "$(stat -c %s "$OUT/main-window.png")" -gt 20000 ] || fail "the GUI screenshot is (nearly) empty"

mkdir -p "$OUT/updates"
: >"$OUT/updates/cleardesk_999.0.0_$(dpkg --print-architecture 2>/dev/null || echo amd64).deb"
run --lang en update-check --folder "$OUT/updates" | grep -q 'newer ClearDesk 999.0.0' \
  || fail "update-check did not see the newer package"
echo "smoke: OK ($OUT)"
