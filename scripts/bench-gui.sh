#!/usr/bin/env bash
# The desktop app's start time and memory, in a real (virtual) X window.
# Prints Markdown for docs/PERFORMANCE.md.
#
#   scripts/bench-gui.sh [RECORDS]      (default 10000)
#
# 1. Cold start: from exec to a visible "Kluis" window, five runs, on the
#    unlock screen of a vault with RECORDS records.
# 2. Idle memory: unlock with the keyboard, open a category of RECORDS/4
#    records with the keyboard, wait, then read VmRSS, RssAnon and RssFile.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-10000}
if [[ ${1:-} != --inside-xvfb ]]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/kluis-gui.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	mkdir -p bin "$work/home/.local/share/kluis"
	CGO_ENABLED=1 go build -tags migrated_fynedo,no_emoji -o bin/kluis .
	printf 'meting van de kluis app\n' >"$work/pass"
	go run ./scripts/fillvault -vault "$work/home/.local/share/kluis/vault.kluis" -passphrase-file "$work/pass" -n "$records" >&2
	xvfb-run -a -s "-screen 0 1280x800x24" bash "$0" --inside-xvfb "$work" "$records"
	exit
fi
work=$2
records=$3
home=$work/home
start_app() {
	env -i PATH="$PATH" DISPLAY="$DISPLAY" XAUTHORITY="${XAUTHORITY:-}" HOME="$home" LANG=nl_NL.UTF-8 ${KLUIS_GODEBUG:+GODEBUG=$KLUIS_GODEBUG} ${KLUIS_GOGC:+GOGC=$KLUIS_GOGC} bin/kluis >"$work/log" 2>&1 &
	pid=$!
}
times=()
for _ in 1 2 3 4 5; do
	t0=$(date +%s.%N)
	start_app
	timeout 30 xdotool search --sync --onlyvisible --name '^Kluis$' >/dev/null
	t1=$(date +%s.%N)
	times+=("$(echo "$t1 - $t0" | bc)")
	kill -TERM "$pid"
	wait "$pid" || true
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)

start_app
wid=$(timeout 30 xdotool search --sync --onlyvisible --name '^Kluis$' | head -1)
sleep 1
xdotool windowfocus "$wid" 2>/dev/null || true
xdotool type --delay 30 "meting van de kluis app"
xdotool key Return
# selected Y H: is the navigation row at height Y (H high) drawn in the
# selection's blue? (On average, its blue channel well above its red one.)
selected() {
	import -window root "$work/poll.png"
	(($(convert "$work/poll.png" -crop "150x$2+20+$1" -resize 1x1 -format '%[fx:int(255*(b-r))]' info:) > 30))
}
# Unlocking (scrypt) takes seconds, more on a busy machine: wait until the
# first category is shown (its row selected), at most 60 s, then 1 s more.
for _ in $(seq 120); do
	selected 8 14 && break
	sleep 0.5
done
sleep 1
# The navigation list has the focus: go down to Inkomen (2,500 records).
xdotool key --delay 300 Down Down Down space
sleep 3
import -window root "$work/unlocked.png"
if ! selected 110 14; then
	cp "$work/unlocked.png" bin/bench-gui.png
	echo "bench-gui: Inkomen is not open, so this is not the state to measure; see bin/bench-gui.png" >&2
	kill -TERM "$pid"
	exit 1
fi
sleep 12 # idle: the app hands memory back after 5 s of quiet (checked every 5 s)
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status")
file=$(awk '/^RssFile:/ {print $2}' "/proc/$pid/status")
cp "$work/unlocked.png" bin/bench-gui.png
cp "$work/log" bin/bench-gui.log
kill -TERM "$pid"
wait "$pid" || true

echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); $(go version | cut -d' ' -f3); Xvfb, software OpenGL"
echo
echo "| what | result |"
echo "|---|---|"
echo "| cold start to a visible window (median of 5: ${times[*]}) | ${median} s |"
echo "| VmRSS after unlock, first category open, idle, $records records | $((rss / 1024)) MiB |"
echo "| of which anonymous (RssAnon: Go heap, GL buffers) | $((anon / 1024)) MiB |"
echo "| of which file-backed (RssFile: program, libraries, mapped vault) | $((file / 1024)) MiB |"
echo
echo "Screenshot of the measured state: bin/bench-gui.png"
