#!/usr/bin/env bash
# Cross-builds Kluis for 64-bit Windows from Linux (`make windows`):
#
#   dist/windows/Kluis.exe         the desktop app: cgo with MinGW-w64, GUI
#                                  subsystem (no console window)
#   dist/windows/kluisctl.exe      the command line, for citizens and tests
#   dist/windows/kluis-intake.exe  the municipality's import tool
#
# Each gets the icon, the version information (from FyneApp.toml) and an
# application manifest (runs as the user, never asks for administrator
# rights, Windows 10 and later) through a resource object: an .rc file is
# written here and compiled with windres into a .syso file that `go build`
# links into the package in that folder. The .syso files are removed again
# afterwards, also on failure. Go's build cache is kept, so after the first
# cgo build of Fyne (several minutes) a rebuild takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
out=${WINDOWS_DIST:-dist/windows}
cc=x86_64-w64-mingw32-gcc
windres=x86_64-w64-mingw32-windres

version=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
build=$(sed -n 's/^Build *= *\([0-9]*\).*/\1/p' FyneApp.toml)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "windows-build: Version in FyneApp.toml is not a.b.c: $version" >&2; exit 1; }
IFS=. read -r major minor patch <<<"$version"

work=$(mktemp -d "${TMPDIR:-/tmp}/kluis-windows-XXXXXX")
sysos=()
cleanup() { rm -rf "$work"; for s in "${sysos[@]}"; do rm -f "$s"; done; }
trap cleanup EXIT

# The icon at the sizes Explorer and the taskbar ask for.
convert assets/icon.png -background none -define icon:auto-resize=256,64,48,32,16 "$work/kluis.ico"

# resource DIR EXE DESCRIPTION: the .syso for the main package in DIR.
resource() {
  local dir=$1 exe=$2 description=$3
  cat >"$work/$exe.manifest" <<XML
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">
  <assemblyIdentity type="win32" name="nl.kluis.${exe%.exe}" version="$major.$minor.$patch.$build" processorArchitecture="amd64"/>
  <trustInfo xmlns="urn:schemas-microsoft-com:asm.v3">
    <security><requestedPrivileges><requestedExecutionLevel level="asInvoker" uiAccess="false"/></requestedPrivileges></security>
  </trustInfo>
  <compatibility xmlns="urn:schemas-microsoft-com:compatibility.v1">
    <application><supportedOS Id="{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}"/></application>
  </compatibility>
  <application xmlns="urn:schemas-microsoft-com:asm.v3">
    <windowsSettings>
      <dpiAware xmlns="http://schemas.microsoft.com/SMI/2005/WindowsSettings">true/pm</dpiAware>
      <dpiAwareness xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">permonitorv2,permonitor</dpiAwareness>
      <activeCodePage xmlns="http://schemas.microsoft.com/SMI/2019/WindowsSettings">UTF-8</activeCodePage>
    </windowsSettings>
  </application>
</assembly>
XML
  cat >"$work/$exe.rc" <<RC
#pragma code_page(65001)
1 ICON "$work/kluis.ico"
1 24 "$work/$exe.manifest"
1 VERSIONINFO
FILEVERSION $major,$minor,$patch,$build
PRODUCTVERSION $major,$minor,$patch,$build
FILEFLAGSMASK 0x3fL
FILEFLAGS 0x0L
FILEOS 0x40004L
FILETYPE 0x1L
FILESUBTYPE 0x0L
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "041304b0"
    BEGIN
      VALUE "CompanyName", "Kluis"
      VALUE "FileDescription", "$description"
      VALUE "FileVersion", "$version.$build"
      VALUE "InternalName", "${exe%.exe}"
      VALUE "LegalCopyright", "Kluis"
      VALUE "OriginalFilename", "$exe"
      VALUE "ProductName", "Kluis"
      VALUE "ProductVersion", "$version"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x413, 1200
  END
END
RC
  local syso=$dir/zz_resource_windows_amd64.syso
  sysos+=("$syso")
  "$windres" --codepage=65001 -O coff -i "$work/$exe.rc" -o "$syso"
}

mkdir -p "$out"
resource . Kluis.exe "Kluis: uw eigen kluis voor uw gegevens"
resource cmd/kluisctl kluisctl.exe "Kluis op de opdrachtregel"
resource cmd/kluis-intake kluis-intake.exe "Kluis-intake voor de gemeente"

export GOOS=windows GOARCH=amd64
echo "windows-build: Kluis.exe (cgo, $cc)"
CGO_ENABLED=1 CC=$cc "$GO" build -tags migrated_fynedo,no_emoji -ldflags "-H=windowsgui -s -w" -o "$out/Kluis.exe" .
for cmd in kluisctl kluis-intake; do
  echo "windows-build: $cmd.exe"
  CGO_ENABLED=0 "$GO" build -ldflags "-s -w" -o "$out/$cmd.exe" "./cmd/$cmd"
done
ls -l "$out"
