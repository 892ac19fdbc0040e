#!/usr/bin/env bash
# Tests the Windows build under Wine (`make test-windows`, part of `make
# test`), headless under an Xvfb of its own, in a fresh Wine prefix whose
# user is called Yılmaz (so every path is C:\users\Yılmaz\…):
#
#   1. the installer runs silently (/S): files, Start menu entry, the
#      kluis: scheme and the file types in HKCU\Software\Classes;
#   2. the installer's Dutch pages, shown and kept as screenshots;
#   3. Kluis.exe shows its welcome window (not blank, "Welkom bij Kluis"
#      found by OCR), and a second start with a .kluis-request file hands it
#      over and ends;
#   4. kluisctl.exe's vault scenario in %APPDATA%\Kluis: init, add, search,
#      doc add/get of 20 MiB, backup, restore, share create, log verify;
#      kluis-intake.exe imports the bundle;
#   5. refusals: wrong passphrase, damaged vault, read-only vault, a vault
#      in a read-only folder and on a full disk (when this machine lets us
#      mount), names Windows forbids on export;
#   6. Kluis.exe holds the vault: kluisctl is told so; after unlocking, a
#      second start with a request hands it over and the window shows it;
#   7. the uninstaller removes the program and its registration, and keeps
#      the vault.
#
# Screenshots go to $KLUIS_ARTEFACTS/windows (default build/artefacts).
# Every Wine command runs under a time limit; on any exit the Wine server,
# Xvfb and the prefix are removed. Needs dist/windows/*.exe and the
# installer (make test-windows builds them).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
version=$(sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
installer=$repo/dist/Kluis-Setup-$version.exe
intake=$repo/dist/windows/kluis-intake.exe
art=${KLUIS_ARTEFACTS:-$repo/build/artefacts}/windows
mkdir -p "$art"
rm -f "$art"/*.png "$art"/*.txt

work=$(mktemp -d /tmp/kluis-wine-XXXXXX)
export WINEPREFIX=$work/prefix WINEARCH=win64 WINEDEBUG=-all
# No Mono or Gecko download dialogs; the test's own bcryptprimitives.dll.
export WINEDLLOVERRIDES="mscoree,mshtml=;bcryptprimitives=n"
# Wine takes the user's name from USER and Windows's language and the
# encoding of file names from the Unix locale: a Dutch UTF-8 locale, made
# here when the system has none (package locales).
export USER=Yılmaz LANG=nl_NL.UTF-8
unset LANGUAGE LC_ALL LC_MESSAGES
if ! locale -a 2>/dev/null | grep -qi '^nl_NL.utf-\?8$'; then
  mkdir -p "$work/locale"
  localedef -i nl_NL -f UTF-8 "$work/locale/nl_NL.UTF-8"
  export LOCPATH=$work/locale
fi
xvfb_pid=
bg_pids=()
cleanup() {
  local rc=$?
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  timeout 20 wineserver -k 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  for m in "$work/ro" "$work/full"; do mountpoint -q "$m" 2>/dev/null && umount "$m" || true; done
  rm -rf "$work"
  if [ $rc -eq 0 ]; then echo "test-windows: all checks passed"; else echo "test-windows: FAILED (exit $rc)" >&2; fi
}
trap cleanup EXIT

say() { echo "test-windows: $*"; }
fail() { echo "test-windows: FAIL: $*" >&2; exit 1; }
# w SECONDS PROGRAM ARGS…: runs a Windows program under Wine, with a limit.
w() { local t=$1; shift; timeout -k 5 "$t" wine "$@"; }
# win PATH: the Windows name of a Unix path (through Wine's Z: drive).
win() { printf 'Z:%s' "${1//\//\\}"; }
# shot NAME: a screenshot of the whole screen into the artefacts.
shot() { import -display "$DISPLAY" -window root "$art/$1.png"; }
# ocr NAME: the Dutch text in a screenshot, on one line.
# (Tesseract insists on the C locale; Wine's small fonts read better at
# three times the size, cut to what is not black.)
ocr() {
  convert "$art/$1.png" -fuzz 5% -trim +repage -colorspace gray -resize 300% "$work/ocr.png"
  LC_ALL=C tesseract "$work/ocr.png" - -l nld 2>/dev/null | tr '\n' ' ' | tee "$art/$1.txt"
}
# not_blank NAME: the screenshot has more than one colour to speak of.
not_blank() {
  local sd
  sd=$(convert "$art/$1.png" -colorspace gray -format '%[fx:standard_deviation]' info:)
  awk -v s="$sd" 'BEGIN { exit !(s > 0.02) }' || fail "$1.png is blank (standard deviation $sd)"
}
# wait_window PATTERN SECONDS: the id of the first visible window whose
# title matches PATTERN.
wait_window() {
  local id end=$((SECONDS + $2))
  while [ $SECONDS -lt $end ]; do
    id=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -1 || true)
    [ -n "$id" ] && { echo "$id"; return 0; }
    sleep 0.5
  done
  return 1
}
# wait_text NAME PATTERN SECONDS: screenshots NAME until OCR finds PATTERN.
wait_text() {
  local end=$((SECONDS + $3))
  while [ $SECONDS -lt $end ]; do
    shot "$1"
    ocr "$1" | grep -qiE "$2" && return 0
    sleep 2
  done
  fail "no \"$2\" in $1.png (OCR: $(cat "$art/$1.txt"))"
}
# stop_kluis PID: ends the Kluis started as PID (timeout passes the signal
# on to Wine's process) and waits until its window is gone.
stop_kluis() {
  kill "$1" 2>/dev/null || true
  wait_gone "$1" 20 || fail "Kluis.exe did not end"
  local end=$((SECONDS + 20))
  while xdotool search --onlyvisible --name '^Kluis$' >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || fail "a Kluis window is still there"
    sleep 0.5
  done
}
# wait_gone PID SECONDS: the process has ended.
wait_gone() {
  local end=$((SECONDS + $2))
  while kill -0 "$1" 2>/dev/null; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.5
  done
}

say "Xvfb and a fresh Wine prefix in $work"
exec 3>"$work/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
exec 3>&-
for _ in $(seq 50); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=:$(cat "$work/display")
timeout -k 5 300 wineboot -i >/dev/null 2>&1 || fail "wineboot"
x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/windows/wine-prng.c scripts/windows/wine-prng.def -lbcrypt
profile=$WINEPREFIX/drive_c/users/Yılmaz
[ -d "$profile" ] || fail "no profile folder $profile"
appdata=$profile/AppData/Roaming
programs=$profile/AppData/Local/Programs/Kluis
vault=$appdata/Kluis/vault.kluis

# 1. Silent install.
say "1. silent install"
w 120 "$installer" /S || fail "the silent install exited with $?"
for f in Kluis.exe kluisctl.exe Uninstall.exe; do [ -f "$programs/$f" ] || fail "$f is not in $programs"; done
[ -f "$appdata/Microsoft/Windows/Start Menu/Programs/Kluis.lnk" ] || fail "no Start menu entry"
reg() { w 30 reg query "$1" /ve 2>/dev/null | tr -d '\r' || true; }
reg 'HKCU\Software\Classes\kluis\shell\open\command' | grep -q 'Kluis.exe" "%1"' || fail "the kluis: scheme is not registered"
w 30 reg query 'HKCU\Software\Classes\kluis' /v 'URL Protocol' >/dev/null 2>&1 || fail "kluis: has no URL Protocol value"
for t in kluis:Bundle kluis-request:Request kluis-index:Index kluis-receipt:Receipt; do
  ext=.${t%%:*} progid=Kluis.${t#*:}
  reg "HKCU\\Software\\Classes\\$ext" | grep -q "$progid" || fail "$ext is not registered"
  reg "HKCU\\Software\\Classes\\$progid\\shell\\open\\command" | grep -q 'Kluis.exe" "%1"' || fail "$progid does not open with Kluis.exe \"%1\""
done
w 30 reg query 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Kluis' >/dev/null 2>&1 || fail "no uninstall entry"
say "   installed for this user in $programs, without administrator rights"

# 2. The installer's Dutch pages (installs once more over the same place).
say "2. the installer's pages in Dutch"
w 180 "$installer" >/dev/null 2>&1 &
setup_pid=$!
bg_pids+=("$setup_pid")
wid=$(wait_window 'Kluis' 60) || fail "the installer shows no window"
sleep 2
wait_text installer-1-welkom 'Welkom' 30
xdotool windowfocus "$wid" 2>/dev/null || true
xdotool key --window "$wid" Return
wait_text installer-2-map 'map|Bladeren' 30
xdotool key --window "$wid" Return
wait_text installer-3-voltooid 'Voltooi|voltooid' 120
grep -qi 'Kluis nu starten' "$art/installer-3-voltooid.txt" || say "   (OCR did not read the check box text; see installer-3-voltooid.png)"
kill "$setup_pid" 2>/dev/null || true
wait "$setup_pid" 2>/dev/null || true

# What the municipality needs for the scenario: its key, a request.
export KLUIS_INTAKE_PASSPHRASE_FILE="$(win "$work/intake-pass")" KLUIS_INTAKE_KEY="$(win "$work/org/organisation.key")"
printf 'gemeente wachtwoord voor de test\n' >"$work/intake-pass"
w 120 "$intake" keygen --org "Gemeente Wijnstad" -o "$(win "$work/org")" >/dev/null || fail "kluis-intake keygen"
w 60 "$intake" --store "$(win "$work/store")" request --scope income --purpose "Aanvraag bijzondere bijstand" --answer-by "$(date -d '+30 days' +%Y-%m-%d)" \
  -o "$(win "$work/aanvraag.kluis-request")" >/dev/null || fail "kluis-intake request"

# 3. The welcome window, and a hand-over to it.
say "3. Kluis.exe: the welcome window and a hand-over"
timeout -k 5 300 wine "$programs/Kluis.exe" >"$work/kluis-1.log" 2>&1 &
kluis_pid=$!
bg_pids+=("$kluis_pid")
wait_window '^Kluis$' 90 >/dev/null || fail "Kluis.exe shows no window"
wait_text kluis-welkom 'Welkom bij Kluis' 60
not_blank kluis-welkom
w 30 "$programs/Kluis.exe" "$(win "$work/aanvraag.kluis-request")" || fail "the second start did not hand over (exit $?)"
kill -0 "$kluis_pid" || fail "the first Kluis ended"
n=$(xdotool search --onlyvisible --name '^Kluis$' | wc -l)
[ "$n" -eq 1 ] || fail "$n Kluis windows after the hand-over, want 1"
stop_kluis "$kluis_pid"

# 4. The vault scenario with kluisctl.exe, in the default place.
say "4. kluisctl.exe: the vault scenario in %APPDATA%\\Kluis"
kluisctl=$programs/kluisctl.exe
printf 'molen sneeuw thee herfst\n' >"$work/pass"
export KLUIS_PASSPHRASE_FILE="$(win "$work/pass")"
k() { w "${T:-120}" "$kluisctl" "$@"; }
k init --name "Fatma Yılmaz" >"$work/init.out" || fail "init"
[ -f "$vault" ] || fail "init made no $vault"
id=$(k add income source=UWV kind=benefit amount=1234,56 period=month | tr -d '\r')
[ -n "$id" ] || fail "add"
k search UWV | grep -q "$id" || fail "search does not find the record"
mkdir -p "$work/docs" "$work/out"
head -c $((20 << 20)) /dev/urandom >"$work/docs/loonstrook maart – Yılmaz.pdf"
doc=$(T=300 k doc add "$(win "$work/docs/loonstrook maart – Yılmaz.pdf")" --record "$id" | tr -d '\r')
T=300 k doc get "$doc" -o "$(win "$work/out")\\" >/dev/null || fail "doc get"
cmp -s "$work/docs/loonstrook maart – Yılmaz.pdf" "$work/out/loonstrook maart – Yılmaz.pdf" || fail "doc get gave other bytes"
T=300 k backup -o "$(win "$work/kluis.backup")" >/dev/null || fail "backup"
T=300 k restore "$(win "$work/kluis.backup")" >/dev/null || fail "restore"
ls "$appdata/Kluis/" | grep -q 'before-restore' || fail "restore kept no copy of the vault it replaced"
k search UWV | grep -q "$id" || fail "the restored vault lacks the record"
T=300 k share create --to "$(win "$work/org/organisation.card")" --scope income --purpose Intake \
  -o "$(win "$work/deling.kluis")" >/dev/null || fail "share create"
k log verify >/dev/null || fail "log verify"
T=300 w 300 "$intake" --store "$(win "$work/store")" import "$(win "$work/deling.kluis")" >"$work/import.out" || fail "kluis-intake import"
w 60 "$intake" --store "$(win "$work/store")" list 2>/dev/null | grep -q "Fatma Yılmaz" || fail "the import is not listed"
say "   20 MiB document in and out unchanged; bundle imported by kluis-intake.exe"

# 5. Refusals, each with exit status 1 and one line that says why.
say "5. refusals"
# refuse NAME PATTERN COMMAND…: COMMAND fails with 1 and says PATTERN.
refuse() {
  local name=$1 pattern=$2 rc=0
  shift 2
  "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  [ $rc -eq 1 ] || fail "$name: exit $rc, want 1 ($(cat "$work/$name.err"))"
  grep -qiE "$pattern" "$work/$name.err" || fail "$name: the message does not say \"$pattern\": $(cat "$work/$name.err")"
  say "   $name: $(head -1 "$work/$name.err" | tr -d '\r')"
}
printf 'verkeerd wachtwoord\n' >"$work/wrong"
refuse "wrong passphrase" 'wachtwoord' env KLUIS_PASSPHRASE_FILE="$(win "$work/wrong")" timeout -k 5 60 wine "$kluisctl" list
cp "$vault" "$work/damaged.kluis"
# Damage the tree's root page that each meta page names (offset 32 and
# 4096+32): a fixed offset may fall on a free page, which is no damage.
for off in 32 4128; do
  root=$(od -An -t u8 -j $off -N 8 "$work/damaged.kluis" | tr -d ' ')
  printf 'beschadigd%.0s' $(seq 400) | dd of="$work/damaged.kluis" bs=4096 seek="$root" conv=notrunc status=none
done
refuse "damaged vault" 'beschadigd' w 60 "$kluisctl" --vault "$(win "$work/damaged.kluis")" list
# (A read-only file attribute is no check here: Wine keeps it in the Unix
# permission bits, which root, as tests often run, does not heed.)
mkdir -p "$work/ro-src" "$work/ro"
cp "$vault" "$work/ro-src/vault.kluis"
if mount --bind "$work/ro-src" "$work/ro" 2>/dev/null && mount -o remount,bind,ro "$work/ro" 2>/dev/null; then
  refuse "vault in a read-only folder" 'alleen|lezen|schrijf|toestemming' w 60 "$kluisctl" --vault "$(win "$work/ro/vault.kluis")" add income source=X kind=benefit amount=1 period=month
else
  mountpoint -q "$work/ro" && umount "$work/ro"
  say "   vault in a read-only folder: skipped, this machine does not let us mount (the Linux tests cover it)"
fi
mkdir -p "$work/full"
if mount -t tmpfs -o size=4m tmpfs "$work/full" 2>/dev/null; then
  w 120 "$kluisctl" --vault "$(win "$work/full/vault.kluis")" init --name Anna >/dev/null || fail "init on the small disk"
  refuse "full disk" 'vol|ruimte' w 120 "$kluisctl" --vault "$(win "$work/full/vault.kluis")" doc add "$(win "$work/docs/loonstrook maart – Yılmaz.pdf")"
else
  say "   full disk: skipped, this machine does not let us mount a small file system (the Linux tests cover it)"
fi
# Names Windows forbids: a vault made on Linux, with such documents, read here.
go build -o "$work/kluisctl-linux" ./cmd/kluisctl
linux_kluisctl() { KLUIS_PASSPHRASE_FILE=$work/pass "$work/kluisctl-linux" "$@"; }
linux_kluisctl --vault "$work/names.kluis" init --name Anna >/dev/null
declare -A safe=(["aanvraag: maart?.pdf"]="aanvraag_ maart_.pdf" ["CON.txt"]="_CON.txt" ["notitie."]="notitie_" ['a<b>|c*.txt']="a_b__c_.txt")
mkdir -p "$work/linux-names" "$work/names-out"
for name in "${!safe[@]}"; do
  printf 'inhoud\n' >"$work/linux-names/$name"
  linux_kluisctl --vault "$work/names.kluis" doc add "$work/linux-names/$name" >/dev/null
done
for d in $(w 60 "$kluisctl" --vault "$(win "$work/names.kluis")" doc list | tr -d '\r' | awk 'NR > 1 { print $1 }'); do
  w 60 "$kluisctl" --vault "$(win "$work/names.kluis")" doc get "$d" -o "$(win "$work/names-out")\\" >/dev/null || fail "doc get of a document with a forbidden name"
done
w 120 "$kluisctl" --vault "$(win "$work/names.kluis")" export "$(win "$work/names-export")" >/dev/null || fail "export of documents with forbidden names"
for name in "${!safe[@]}"; do
  [ -f "$work/names-out/${safe[$name]}" ] || fail "doc get: \"$name\" is not saved as \"${safe[$name]}\" ($(ls "$work/names-out"))"
  ls "$work/names-export"/documents/*/"${safe[$name]}" >/dev/null 2>&1 || fail "export: no \"${safe[$name]}\""
done
say "   names Windows forbids: saved and exported as $(printf '"%s" ' "${safe[@]}")"

# 6. Kluis.exe holds the vault; after unlocking, a request handed over is shown.
say "6. Kluis.exe with the vault: the lock, unlocking and a hand-over"
timeout -k 5 300 wine "$programs/Kluis.exe" >"$work/kluis-2.log" 2>&1 &
kluis_pid=$!
bg_pids+=("$kluis_pid")
wid=$(wait_window '^Kluis$' 90) || fail "Kluis.exe shows no window"
wait_text kluis-openen 'Kluis openen|wachtwoord' 60
refuse "second program on the open vault" 'ander programma|open' w 60 "$kluisctl" list
xdotool windowfocus "$wid" 2>/dev/null || true
xdotool type --window "$wid" --delay 40 'molen sneeuw thee herfst'
xdotool key --window "$wid" Return
sleep 3
w 30 "$programs/Kluis.exe" "$(win "$work/aanvraag.kluis-request")" || fail "the second start did not hand over (exit $?)"
wait_text kluis-verzoek 'bijzondere bijstand|Wijnstad' 60
not_blank kluis-verzoek
stop_kluis "$kluis_pid"

# 7. Uninstall: the program goes, the vault stays.
say "7. silent uninstall keeps the vault"
w 120 "$programs/Uninstall.exe" /S || fail "the uninstaller exited with $?"
for _ in $(seq 60); do [ -f "$programs/Kluis.exe" ] || break; sleep 0.5; done
[ ! -f "$programs/Kluis.exe" ] || fail "Kluis.exe is still there after uninstalling"
[ ! -f "$appdata/Microsoft/Windows/Start Menu/Programs/Kluis.lnk" ] || fail "the Start menu entry is still there"
! w 30 reg query 'HKCU\Software\Classes\kluis' >/dev/null 2>&1 || fail "the kluis: scheme is still registered"
[ -f "$vault" ] || fail "uninstalling removed the vault"
ls -l "$art"
