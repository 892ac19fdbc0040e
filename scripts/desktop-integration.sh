#!/usr/bin/env bash
# Adds desktop integration to the Linux package that `fyne package` makes:
# the kluis: link scheme and Kluis's file types (data requests, wijkonderzoek
# invitations, receipts) open the app, which shows them once the vault is
# unlocked (the app takes the link or file as its first argument).
#
#   scripts/desktop-integration.sh dist/Kluis.tar.xz
#
# It rewrites the archive in place: the .desktop entry gets "Exec=kluis %u"
# and a MimeType line, a shared-mime-info file describes the file types,
# and the archive's install targets install it and refresh the desktop's
# databases when those tools are present.
set -euo pipefail
archive=${1:?usage: desktop-integration.sh PACKAGE.tar.xz}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar xJf "$archive" -C "$work"
root=$work/kluis
desktop=$(ls "$root"/usr/local/share/applications/*.desktop)
app_id=$(basename "$desktop" .desktop)
types="x-scheme-handler/kluis;application/x-kluis-request;application/x-kluis-index;application/x-kluis-receipt;"

sed -i -e 's/^Exec=kluis$/Exec=kluis %u/' "$desktop"
grep -q '^MimeType=' "$desktop" || echo "MimeType=$types" >>"$desktop"

mkdir -p "$root/usr/local/share/mime/packages"
cat >"$root/usr/local/share/mime/packages/$app_id.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="application/x-kluis-request">
    <comment>Kluis data request</comment>
    <comment xml:lang="nl">Kluis-verzoek om gegevens</comment>
    <glob pattern="*.kluis-request"/>
  </mime-type>
  <mime-type type="application/x-kluis-index">
    <comment>Kluis neighbourhood survey invitation</comment>
    <comment xml:lang="nl">Kluis-uitnodiging voor een wijkonderzoek</comment>
    <glob pattern="*.kluis-index"/>
  </mime-type>
  <mime-type type="application/x-kluis-receipt">
    <comment>Kluis receipt</comment>
    <comment xml:lang="nl">Kluis-ontvangstbewijs</comment>
    <glob pattern="*.kluis-receipt"/>
  </mime-type>
</mime-info>
XML

# Install and remove the types with the app, then refresh the databases.
python3 - "$root/Makefile" "$app_id" <<'PY'
import sys
path, app = sys.argv[1], sys.argv[2]
s = open(path).read()
mime = "usr/local/share/mime/packages/%s.xml" % app
add = {
    "install:": "\tinstall -Dm00644 %s $(DESTDIR)$(PREFIX)/share/mime/packages/%s.xml\n\t-update-mime-database $(DESTDIR)$(PREFIX)/share/mime\n\t-update-desktop-database $(DESTDIR)$(PREFIX)/share/applications\n" % (mime, app),
    "user-install:": "\tinstall -Dm00644 %s $(DESTDIR)$(HOME)/.local/share/mime/packages/%s.xml\n\t-update-mime-database $(DESTDIR)$(HOME)/.local/share/mime\n\t-update-desktop-database $(DESTDIR)$(HOME)/.local/share/applications\n" % (mime, app),
}
out = []
lines = s.split("\n")
i = 0
while i < len(lines):
    out.append(lines[i])
    if lines[i] in add:
        # after the target's recipe lines
        j = i + 1
        while j < len(lines) and lines[j].startswith("\t"):
            out.append(lines[j]); j += 1
        out.append(add[lines[i]].rstrip("\n"))
        i = j
        continue
    i += 1
open(path, "w").write("\n".join(out))
PY
tar cJf "$archive.tmp" -C "$work" kluis
mv "$archive.tmp" "$archive"
echo "desktop-integration: kluis: links and .kluis-request, .kluis-index and .kluis-receipt files open Kluis"
