#!/usr/bin/env bash
# Makes the Windows installer dist/Kluis-Setup-VERSION.exe with NSIS
# (`make windows-installer`, after `make windows`), from the programs in
# dist/windows and scripts/windows/kluis.nsi.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${WINDOWS_DIST:-dist/windows}
version=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
build=$(sed -n 's/^Build *= *\([0-9]*\).*/\1/p' FyneApp.toml)
out=dist/Kluis-Setup-$version.exe
for f in Kluis.exe kluisctl.exe; do
  [ -f "$src/$f" ] || { echo "windows-installer: $src/$f is missing: run make windows first" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/kluis-installer-XXXXXX")
trap 'rm -rf "$work"' EXIT
convert assets/icon.png -background none -define icon:auto-resize=256,64,48,32,16 "$work/kluis.ico"
makensis -V2 -INPUTCHARSET UTF8 \
  -DVERSION="$version" -DBUILD="$build" -DSRCDIR="$(realpath "$src")" -DICON="$work/kluis.ico" -DOUTFILE="$PWD/$out" \
  scripts/windows/kluis.nsi
ls -l "$out"
