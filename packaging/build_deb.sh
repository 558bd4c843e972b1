#!/usr/bin/env bash
# Build a Debian package (Debian, UOS, Kylin) from the PyInstaller bundle.
#   packaging/build_deb.sh [BUNDLE_DIR] [OUT_DIR]      (defaults: dist/cleardesk dist)
# Installs under /opt/cleardesk, /usr/bin/cleardesk -> /opt/cleardesk/cleardesk, a desktop
# entry and the icon. Users' data directories are never part of the package: removing it
# leaves every database, backup and setting where it was.
# The version is the bundle's own (`cleardesk --version`); DEB_VERSION overrides it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUNDLE="$(cd "${1:-$ROOT/dist/cleardesk}" && pwd)"
OUT="${2:-$ROOT/dist}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

[ -x "$BUNDLE/cleardesk" ] || { echo "build_deb: no bundle at $BUNDLE (run make dist)" >&2; exit 1; }
VERSION="${DEB_VERSION:-$("$BUNDLE/cleardesk" --version --lang en | sed -n '1s/^ClearDesk //p')}"
[ -n "$VERSION" ] || { echo "build_deb: the bundle did not say its version" >&2; exit 1; }
ARCH="$(dpkg --print-architecture)"
STAGE="$(mktemp -d)"
chmod 0755 "$STAGE"
trap 'rm -rf "$STAGE"' EXIT

mkdir -p "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/icons/hicolor/256x256/apps" \
  "$STAGE/DEBIAN"
cp -a "$BUNDLE" "$STAGE/opt/cleardesk"
ln -s /opt/cleardesk/cleardesk "$STAGE/usr/bin/cleardesk"
install -m 0644 "$ROOT/packaging/cleardesk.desktop" "$STAGE/usr/share/applications/"
install -m 0644 "$ROOT/packaging/cleardesk.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/"
install -m 0644 "$ROOT/packaging/cleardesk.png" "$STAGE/usr/share/icons/hicolor/256x256/apps/"
chmod -R u=rwX,go=rX "$STAGE/opt" "$STAGE/usr"

SIZE_KB="$(du -sk "$STAGE/opt" "$STAGE/usr" | awk '{s += $1} END {print s}')"
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: cleardesk
Version: $VERSION
Architecture: $ARCH
Maintainer: ClearDesk <cleardesk@localhost>
Installed-Size: $SIZE_KB
Depends: libc6, libegl1, libgl1, libfontconfig1, libfreetype6, libdbus-1-3, libxkbcommon0, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libxcb-randr0, libxcb-render-util0, libxcb-image0, libxcb-xinerama0
Section: misc
Priority: optional
Description: ClearDesk - customs declarations for cross-border e-commerce parcels
 The customs broker's workbench: import orders, pre-check every customs rule,
 submit CEB messages, apply receipts, print labels and manifests.
 Self-contained: needs no Python and no network.
CONTROL
# Refresh the desktop menus and icon caches where the tools exist; never fail on them.
for script in postinst postrm; do
  cat > "$STAGE/DEBIAN/$script" <<'SCRIPT'
#!/bin/sh
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
fi
exit 0
SCRIPT
  chmod 0755 "$STAGE/DEBIAN/$script"
done

DEB="$OUT/cleardesk_${VERSION}_${ARCH}.deb"
# gzip: fast to build, and every dpkg (also older UOS/Kylin ones) reads it. DEB_COMPRESSION=none
# for throw-away packages (CI's upgrade check).
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-gzip}" --build "$STAGE" "$DEB" >/dev/null
echo "$DEB"
