#!/usr/bin/env bash
# smoke.sh: start the real desktop app in a real (virtual) X window and check
# that it draws something and quits cleanly.
#
# It builds bin/kluis with cgo and OpenGL, starts it under Xvfb with an empty
# temporary HOME, waits for the "Kluis" window (and says how long that took),
# takes a screenshot, checks the window is not blank, then makes a vault with
# the keyboard only, as a person without a mouse would: Tab and Space on
# "Nieuwe kluis maken", the passphrase twice, Enter. It checks the vault file
# exists and the recovery-key screen is drawn, then sends SIGTERM (as a
# logout does) and expects the app to lock, close and exit with status 0.
#
# Needs: go, gcc, the GL/X11 headers, xvfb-run, xdotool and ImageMagick
# (`make deps` installs them). The screenshot is kept in bin/smoke.png.
#
# Usage: scripts/smoke.sh            (what `make test` runs last)
#        SMOKE_TIMEOUT=60 scripts/smoke.sh
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$PWD
bin=$repo/bin/kluis
shot=$repo/bin/smoke.png
timeout_s=${SMOKE_TIMEOUT:-30}

fail() {
	echo "smoke: FAIL: $*" >&2
	exit 1
}

# The part that runs inside xvfb-run, with DISPLAY set to the virtual screen.
if [[ ${1:-} == --inside-xvfb ]]; then
	home=$2
	log=$home/kluis.log

	env -i PATH="$PATH" DISPLAY="$DISPLAY" XAUTHORITY="${XAUTHORITY:-}" \
		HOME="$home" LANG="${LANG:-nl_NL.UTF-8}" \
		"$bin" >"$log" 2>&1 &
	pid=$!
	started=$(date +%s.%N)
	cleanup() { kill -KILL "$pid" 2>/dev/null || true; }
	trap cleanup EXIT
	show_log() { echo "--- kluis output ---" >&2; cat "$log" >&2; echo "---" >&2; }

	# Wait for the window. xdotool's --sync waits forever, so bound it.
	if ! wid=$(timeout "$timeout_s" xdotool search --sync --onlyvisible --name '^Kluis$' | head -n 1) || [[ -z $wid ]]; then
		show_log
		kill -0 "$pid" 2>/dev/null || fail "kluis exited before it showed a window"
		fail "no visible window named Kluis within ${timeout_s}s"
	fi
	up=$(date +%s.%N)
	echo "smoke: window $wid is up after $(echo "$up - $started" | bc) s: $(xdotool getwindowgeometry "$wid" | tr -s '\n ' ' ')"

	# The whole window is on the screen (there is no window manager here
	# to make it fit).
	read -r sw sh < <(xdotool getdisplaygeometry)
	read -r ww wh < <(xdotool getwindowgeometry "$wid" | awk '/Geometry:/ {split($2, g, "x"); print g[1], g[2]}')
	if ((ww > sw || wh > sh)); then
		import -window root "$shot"
		fail "the window (${ww}x${wh}) is larger than the screen (${sw}x${sh}); see $shot"
	fi

	# The first frames can still be empty: retry until the window shows
	# more than one flat colour, or give up.
	deadline=$((SECONDS + timeout_s))
	while :; do
		import -window root "$shot"
		import -window "$wid" "$home/window.png"
		sd=$(identify -format '%[fx:standard_deviation]' "$home/window.png")
		colours=$(identify -format '%k' "$home/window.png")
		if awk -v sd="$sd" 'BEGIN { exit !(sd > 0.02) }' && ((colours > 8)); then
			break
		fi
		if ((SECONDS >= deadline)); then
			show_log
			fail "the window stayed blank (standard deviation $sd, $colours colours); see $shot"
		fi
		sleep 0.5
	done
	echo "smoke: window is drawn (standard deviation $sd, $colours colours); screenshot in ${shot#"$repo"/}"

	# Make a vault with the keyboard only.
	timeout 5 xdotool windowfocus --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid"
	xdotool key --delay 200 Tab space
	sleep 1
	xdotool type --delay 40 "Fatima Yilmaz"
	sleep 0.5
	xdotool key Tab
	sleep 0.5
	xdotool type --delay 40 "molen sneeuw thee herfst"
	sleep 0.5
	xdotool key Tab
	sleep 0.5
	xdotool type --delay 40 "molen sneeuw thee herfst"
	sleep 0.5
	xdotool key Return
	vault=$home/.local/share/kluis/vault.kluis
	for _ in $(seq 100); do
		[[ -s $vault ]] && break
		sleep 0.1
	done
	[[ -s $vault ]] || { show_log; import -window root "$shot"; fail "no vault file at $vault after typing a name and a passphrase twice; see $shot"; }
	sleep 1
	import -window root "$shot"
	echo "smoke: vault made with the keyboard; screenshot of the recovery-key screen in ${shot#"$repo"/}"

	# Log out: SIGTERM must lock, close and exit cleanly.
	kill -TERM "$pid"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		show_log
		fail "kluis did not quit within 5s after SIGTERM"
	fi
	status=0
	wait "$pid" || status=$?
	trap - EXIT
	if ((status != 0)); then
		show_log
		fail "kluis exited with status $status"
	fi
	if grep -qE '^panic:|fatal error:|DATA RACE' "$log"; then
		show_log
		fail "kluis printed a panic or a fatal error"
	fi
	echo "smoke: SIGTERM locked and closed kluis cleanly"
	exit 0
fi

for tool in go xvfb-run xdotool import identify; do
	command -v "$tool" >/dev/null || fail "$tool is missing; run 'make deps'"
done

echo "smoke: building bin/kluis (cgo; the first build takes a few minutes)"
mkdir -p bin
CGO_ENABLED=1 go build -tags migrated_fynedo,no_emoji -o "$bin" . || fail "go build failed"

homes=()
trap 'rm -rf "${homes[@]}"' EXIT
rm -f "$shot"

# Once on a common screen and once on the smallest Kluis is made for.
# -a picks a free display number, so this works beside a real desktop too.
for screen in 1280x800 800x600; do
	home=$(mktemp -d)
	homes+=("$home")
	echo "smoke: screen $screen"
	if ! timeout $((timeout_s * 3)) xvfb-run -a -s "-screen 0 ${screen}x24" \
		"$repo/scripts/smoke.sh" --inside-xvfb "$home"; then
		fail "the window test did not pass on a $screen screen (see above)"
	fi
done
echo "smoke: ok"
