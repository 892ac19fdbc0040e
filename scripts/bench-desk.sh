#!/usr/bin/env bash
# The caseworker's desk (kluis-intake serve) under uploads, with the real
# release binaries over HTTPS on loopback. Prints what docs/PERFORMANCE.md
# records in its section "The caseworker's desk".
#
#   scripts/bench-desk.sh [BIG_MIB] [SMALL_MIB] [UPLOADS]   (default 1024, 50, 20; ROUNDS=3)
#
# It makes an organisation key, and with kluisctl two vaults: one with a
# BIG_MIB document, shared once to the organisation's card (one bundle of
# about BIG_MIB), one with a SMALL_MIB document, shared UPLOADS times (as
# many different bundles). Then:
#
#  1. Memory: a desk on a fresh store with one caseworker, who logs in with
#     curl (cookie jar, the forms' csrf field) and uploads the big bundle,
#     then the UPLOADS small ones at once, each in its own request. The
#     serve process is watched from /proc (scripts/rsspeak -pid): the
#     kernel's high-water mark of its resident set (VmHWM, file-backed
#     pages included: what a user sees as peak RSS), and the sampled peaks
#     of RssAnon and of VmRSS. The mark is set back (/proc/PID/clear_refs)
#     once the desk prints its URL, so the start-up (the organisation key's
#     KDF, scrypt at 2^18 = 256 MiB) is reported apart, and again between
#     the two uploads. While the big bundle streams in, the store's tmp
#     folder and the process's memory are sampled every half second.
#  2. Throughput: the big bundle uploaded over HTTPS against `kluis-intake
#     import` of the same file, each into a fresh store, ROUNDS rounds,
#     taking turns (odd rounds HTTP first). The upload is timed by curl
#     (request sent to response read; the desk verifies and stores all of
#     it before it answers); the command as a whole process, which includes
#     one unlock of the organisation key, so the "key only" row (`list` on
#     an empty store) says what that costs. The CPU seconds of the serve
#     process during the upload, of curl, and of the command are reported
#     too: client and server share the machine's cores.
#
# It needs about 5 × BIG_MIB of free space under ${TMPDIR:-/tmp}.
set -euo pipefail
cd "$(dirname "$0")/.."
big_mib=${1:-1024}
small_mib=${2:-50}
uploads=${3:-20}
rounds=${ROUNDS:-3}
for t in curl; do
	command -v $t >/dev/null || { echo "bench-desk: $t is missing" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kluis-bench-desk.XXXXXX")
server=
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
echo "bench-desk: building" >&2
go build -o "$work/kluis-intake" ./cmd/kluis-intake
go build -o "$work/kluisctl" ./cmd/kluisctl
go build -o "$work/rsspeak" ./scripts/rsspeak

load() { cut -d' ' -f1-3 /proc/loadavg; }
# calc FORMAT EXPRESSION: prints the expression's value.
calc() { awk "BEGIN {printf \"$1\", $2}"; }

printf 'bench passphrase for the desk\n' >"$work/pass"
printf 'een lang wachtwoord voor de balie' >"$work/userpass" # no newline: curl sends the file as it is
export KLUIS_PASSPHRASE_FILE="$work/pass" KLUIS_INTAKE_PASSPHRASE_FILE="$work/pass"
export KLUIS_INTAKE_KEY="$work/org/organisation.key"
intake="$work/kluis-intake"
"$intake" keygen --org "Gemeente Bench" -o "$work/org" >/dev/null
card="$work/org/organisation.card"

# vault NAME MIB: a vault with one income record and a document of MIB MiB
# of random data linked to it.
vault() {
	local v=("$work/kluisctl" --vault "$work/$1-vault.kluis")
	"${v[@]}" init --name "$1" >/dev/null
	local id
	id=$("${v[@]}" add income source=Werkgever amount=2100,00 period=month kind=salary)
	head -c $(($2 << 20)) /dev/urandom >"$work/$1.pdf"
	"${v[@]}" doc add "$work/$1.pdf" --record "$id" >/dev/null
	rm "$work/$1.pdf"
}
share() { # share VAULT OUT
	"$work/kluisctl" --vault "$work/$1-vault.kluis" share create --to "$card" --scope income \
		--purpose "Aanvraag bijstand" -o "$2" >/dev/null 2>"$work/share.err" || { cat "$work/share.err" >&2; exit 1; }
}
echo "bench-desk: making a vault with $big_mib MiB and its bundle" >&2
vault big "$big_mib"
share big "$work/big.kluis"
echo "bench-desk: making a vault with $small_mib MiB and $uploads bundles of it" >&2
vault small "$small_mib"
for i in $(seq -w 1 "$uploads"); do share small "$work/small-$i.kluis"; done
big_bytes=$(stat -c %s "$work/big.kluis")
small_bytes=$(stat -c %s "$work/small-$(seq -w 1 "$uploads" | head -1).kluis")

# start_desk STORE: a fresh store with a caseworker, its desk started;
# sets server (its pid), url, and started (seconds from exec to the URL).
start_desk() {
	local store=$1
	"$intake" --store "$store" user add annet --role caseworker --password-file "$work/userpass" >/dev/null
	: >"$work/serve.out"
	local t0
	t0=$(date +%s.%N)
	"$intake" --store "$store" serve --addr 127.0.0.1:0 >"$work/serve.out" 2>>"$work/serve.err" &
	server=$!
	for _ in $(seq 600); do
		[ -s "$work/serve.out" ] && break
		sleep 0.05
	done
	url=$(head -1 "$work/serve.out")
	[ -n "$url" ] || { echo "bench-desk: the desk printed no URL" >&2; cat "$work/serve.err" >&2; exit 1; }
	started=$(calc %.2f "$(date +%s.%N) - $t0")
	url=${url%/}
}
stop_desk() {
	kill "$server"
	wait "$server" || true
	server=
}
# login: the caseworker logs in; sets csrf (the session's form token).
login() {
	rm -f "$work/jar"
	curl -sfk -c "$work/jar" -b "$work/jar" -o "$work/login.html" "$url/login"
	local tok
	tok=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$work/login.html" | head -1)
	local code
	code=$(curl -sk -c "$work/jar" -b "$work/jar" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$tok" \
		--data-urlencode name=annet --data-urlencode "password@$work/userpass" "$url/login")
	[ "$code" = 303 ] || { echo "bench-desk: login answered $code" >&2; exit 1; }
	curl -sfk -b "$work/jar" -o "$work/inbox.html" "$url/inbox"
	csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$work/inbox.html" | head -1)
	[ -n "$csrf" ] || { echo "bench-desk: no csrf on the inbox" >&2; exit 1; }
}
# upload FILE OUT: one upload; prints "http_code seconds"; fails unless
# the desk answered 200 with a case.
upload() {
	local r
	r=$(curl -sk -b "$work/jar" -o "$2" -w '%{http_code} %{time_total}' \
		-F "csrf=$csrf" -F "bundle=@$1;type=application/octet-stream" "$url/inbox")
	if [ "${r%% *}" != 200 ] || ! grep -q 'href="/cases/[0-9a-f-]\{36\}"' "$2"; then
		echo "bench-desk: upload of $1 answered $r" >&2
		sed -n '/<main/,/<\/main>/p' "$2" | sed 's/<[^>]*>//g' | grep -v '^\s*$' | head -20 >&2
		return 1
	fi
	echo "$r"
}
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
mibof() { calc %.1f "$1 / 1024"; }

# 1. Memory.
sync
echo "bench-desk: memory (load $(load))" >&2
mem_load_start=$(load)
start_desk "$work/store-mem"
start_hwm=$(status_kib "$server" VmHWM)
start_anon=$(status_kib "$server" RssAnon)
start_rss=$(status_kib "$server" VmRSS)
# Logging in runs Argon2id (46 MiB): a phase of its own.
echo 5 >"/proc/$server/clear_refs"
login
login_hwm=$(status_kib "$server" VmHWM)
"$work/rsspeak" -pid "$server" -reset 2>"$work/peak-big.txt" &
watcher=$!
(
	while :; do
		printf '%s %s %s %s\n' "$(date +%s.%N)" "$(du -sk "$work/store-mem/tmp" | cut -f1)" \
			"$(status_kib "$server" RssAnon)" "$(status_kib "$server" VmRSS)"
		sleep 0.5
	done
) >"$work/series.txt" &
sampler=$!
big_up=$(upload "$work/big.kluis" "$work/big.html")
kill "$sampler"
wait "$sampler" 2>/dev/null || true
kill -INT "$watcher"
wait "$watcher"
read -r _ big_anon big_rss big_hwm <"$work/peak-big.txt"
big_load=$(load)

sync
"$work/rsspeak" -pid "$server" -reset 2>"$work/peak-small.txt" &
watcher=$!
t0=$(date +%s.%N)
pids=()
for i in $(seq -w 1 "$uploads"); do
	upload "$work/small-$i.kluis" "$work/small-$i.html" >"$work/small-$i.res" &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
small_wall=$(calc %.2f "$(date +%s.%N) - $t0")
kill -INT "$watcher"
wait "$watcher"
read -r _ small_anon small_rss small_hwm <"$work/peak-small.txt"
small_load=$(load)
((fails == 0)) || { echo "bench-desk: $fails of $uploads uploads failed" >&2; exit 1; }
cases=$(curl -sfk -b "$work/jar" "$url/cases" | grep -o 'href="/cases/[0-9a-f-]\{36\}"' | sort -u | wc -l)
stop_desk
rm -rf "$work/store-mem"

# 2. Throughput, taking turns.
# cpu_secs PID: the CPU seconds (user and system) a process has used.
cpu_secs() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }
# http_run: prints "wall_s server_cpu_s client_cpu_s" of one upload of the
# big bundle into a fresh desk.
http_run() {
	start_desk "$work/store-http"
	login
	sync
	sleep 3
	local c0 c1 r
	c0=$(cpu_secs "$server")
	local TIMEFORMAT='%U %S'
	{ time upload "$work/big.kluis" "$work/big-http.html" >"$work/up.txt"; } 2>"$work/client-cpu.txt"
	c1=$(cpu_secs "$server")
	r=$(cat "$work/up.txt")
	stop_desk
	rm -rf "$work/store-http"
	echo "${r#* } $(calc %.2f "$c1 - $c0") $(awk '{printf "%.2f", $1 + $2}' "$work/client-cpu.txt")"
}
# cli_run: prints rsspeak's line for kluis-intake import of the big bundle
# into a fresh store.
cli_run() {
	sync
	sleep 3
	local r
	r=$("$work/rsspeak" -rss -- "$intake" --store "$work/store-cli" import "$work/big.kluis" 2>&1 >/dev/null | tail -1)
	rm -rf "$work/store-cli"
	echo "$r"
}
http_times=() http_server_cpu=() http_client_cpu=()
cli_times=() cli_cpu=() cli_hwms=()
key_times=() key_cpu=()
round_loads=()
for round in $(seq "$rounds"); do
	echo "bench-desk: throughput round $round of $rounds (load $(load))" >&2
	round_loads+=("$(load)")
	if ((round % 2)); then
		h=$(http_run)
		r=$(cli_run)
	else
		r=$(cli_run)
		h=$(http_run)
	fi
	read -r secs server_cpu client_cpu <<<"$h"
	http_times+=("$secs") http_server_cpu+=("$server_cpu") http_client_cpu+=("$client_cpu")
	read -r secs _ _ _ hwm cpu <<<"$r"
	cli_times+=("$secs") cli_hwms+=("$hwm") cli_cpu+=("$cpu")
	mkdir -p "$work/store-key"
	r=$("$work/rsspeak" -rss -- "$intake" --store "$work/store-key" list 2>&1 >/dev/null | tail -1)
	rm -rf "$work/store-key"
	read -r secs _ _ _ _ cpu <<<"$r"
	key_times+=("$secs") key_cpu+=("$cpu")
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
join() { local IFS=,; echo "$*" | sed 's/,/, /g'; }
http_med=$(median "${http_times[@]}")
cli_med=$(median "${cli_times[@]}")
key_med=$(median "${key_times[@]}")
mbps() { calc %.0f "$big_bytes / $1 / 1000000"; }

echo
echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB; $(go version | cut -d' ' -f3); $(curl --version | head -1 | cut -d' ' -f1-2); disk $(df -h "$work" | awk 'NR==2 {print $1}')"
echo "Bundles: big $((big_bytes >> 20)) MiB; $uploads small of $((small_bytes >> 20)) MiB each"
echo
echo "Start-up (key KDF, store, case list): URL after ${started}s of the last start; at the URL line VmHWM $(mibof "$start_hwm") MiB, VmRSS $(mibof "$start_rss") MiB, RssAnon $(mibof "$start_anon") MiB (load at start $mem_load_start)"
echo
echo "| phase (peak after start-up) | VmHWM (MiB) | sampled VmRSS (MiB) | sampled RssAnon (MiB) | time | load after |"
echo "|---|---|---|---|---|---|"
echo "| logging in (Argon2id) | $(mibof "$login_hwm") | | | | |"
echo "| one upload of $((big_bytes >> 20)) MiB | $big_hwm | $big_rss | $big_anon | ${big_up#* } s | $big_load |"
echo "| $uploads uploads of $((small_bytes >> 20)) MiB at once | $small_hwm | $small_rss | $small_anon | ${small_wall} s (all; $cases cases listed) | $small_load |"
echo "| the whole run, start-up included (the highest of the marks above) | $(printf '%s\n' "$(mibof "$start_hwm")" "$(mibof "$login_hwm")" "$big_hwm" "$small_hwm" | sort -g | tail -1) | | | | |"
echo
echo "Streaming: seconds, store tmp (MiB), RssAnon (MiB), VmRSS (MiB) while the big bundle came in:"
awk 'NR == 1 {t0 = $1} {printf "  %5.1f s  tmp %6.0f  anon %5.1f  rss %5.1f\n", $1 - t0, $2 / 1024, $3 / 1024, $4 / 1024}' "$work/series.txt"
echo
echo "| import of the $((big_bytes >> 20)) MiB bundle | median wall (s) | rounds (s) | MB/s | CPU (s), median |"
echo "|---|---|---|---|---|"
echo "| upload over HTTPS (curl → kluis-intake serve) | $http_med | $(join "${http_times[@]}") | $(mbps "$http_med") | serve $(median "${http_server_cpu[@]}"), curl $(median "${http_client_cpu[@]}") |"
echo "| kluis-intake import (whole process) | $cli_med | $(join "${cli_times[@]}") | $(mbps "$cli_med") | $(median "${cli_cpu[@]}") |"
echo "| kluis-intake list on an empty store (process + key only) | $key_med | $(join "${key_times[@]}") | | $(median "${key_cpu[@]}") |"
echo
echo "HTTP / CLI throughput: $(calc %.2f "$cli_med / $http_med") (whole command), $(calc %.2f "($cli_med - $key_med) / $http_med") (command less its key unlock)"
echo "CPU for the import itself, CLI / serve: $(calc %.2f "($(median "${cli_cpu[@]}") - $(median "${key_cpu[@]}")) / $(median "${http_server_cpu[@]}")") (the command's less its key unlock, against the server's during the upload)"
echo "kluis-intake import max RSS (ru_maxrss, KDF included): $(join "${cli_hwms[@]}") MiB"
echo "Load at each round: $(join "${round_loads[@]}")"
