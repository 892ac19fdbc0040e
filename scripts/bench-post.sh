#!/usr/bin/env bash
# The direct route (kluis-intake serve's /api/v1/, package sync/post) under
# load, with the release binaries over HTTPS on loopback. Prints what
# docs/PERFORMANCE.md records in "The direct route".
#
#   scripts/bench-post.sh [BIG_MIB] [N] [SMALL_BYTES]   (default 1024, 200, 1 MiB; ROUNDS=3)
#
#  1. Memory: a desk on a fresh store, its card naming it as inbox; N
#     different bundles of SMALL_BYTES each delivered at the same time, each
#     in its own request (scripts/deskload, the client citizens' Kluis
#     uses). The desk is watched from /proc (scripts/rsspeak -pid): VmHWM,
#     file-backed pages included, set back once the desk printed its URL
#     (its start-up, the organisation key's KDF, is reported apart).
#  2. Throughput: a BIG_MIB bundle made by kluisctl, delivered to a desk
#     on a fresh store (deskload -file: from the first byte sent to the
#     receipt read), against copying the same file and fsyncing it (what
#     "save as a file" costs) plus `kluis-intake import` of it into a fresh
#     store, ROUNDS rounds taking turns.
#
# It needs about 4 × BIG_MIB of free space under ${TMPDIR:-/tmp}.
set -euo pipefail
cd "$(dirname "$0")/.."
big_mib=${1:-1024}
n=${2:-200}
small=${3:-1048576}
rounds=${ROUNDS:-3}

work=$(mktemp -d "${TMPDIR:-/tmp}/kluis-bench-post.XXXXXX")
server=
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
echo "bench-post: building" >&2
go build -o "$work/kluis-intake" ./cmd/kluis-intake
go build -o "$work/kluisctl" ./cmd/kluisctl
go build -o "$work/rsspeak" ./scripts/rsspeak
go build -o "$work/deskload" ./scripts/deskload

load() { cut -d' ' -f1-3 /proc/loadavg; }
calc() { awk "BEGIN {printf \"$1\", $2}"; }
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
mibof() { calc %.1f "$1 / 1024"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf 'bench passphrase for the desk\n' >"$work/pass"
export KLUIS_PASSPHRASE_FILE="$work/pass" KLUIS_INTAKE_PASSPHRASE_FILE="$work/pass"
export KLUIS_INTAKE_KEY="$work/org/organisation.key"
intake="$work/kluis-intake"
"$intake" keygen --org "Gemeente Bench" -o "$work/org" >/dev/null

# start_desk STORE: a desk on STORE at a free port; writes STORE.card (the
# card naming it) and sets server and url.
start_desk() {
	local store=$1 port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$intake" --store "$store" card --inbox "https://127.0.0.1:$port/" -o "$store.card"
	: >"$work/serve.out"
	"$intake" --store "$store" serve --addr "127.0.0.1:$port" >"$work/serve.out" 2>>"$work/serve.err" &
	server=$!
	for _ in $(seq 600); do
		[ -s "$work/serve.out" ] && break
		sleep 0.05
	done
	url=$(head -1 "$work/serve.out")
	[ -n "$url" ] || { echo "bench-post: the desk printed no URL" >&2; cat "$work/serve.err" >&2; exit 1; }
}
stop_desk() {
	kill "$server"
	wait "$server" || true
	server=
}

# 1. Memory under N deliveries at once.
sync
echo "bench-post: $n deliveries of $small bytes at once (load $(load))" >&2
mem_load=$(load)
start_desk "$work/store-mem"
start_hwm=$(status_kib "$server" VmHWM)
start_rss=$(status_kib "$server" VmRSS)
"$work/rsspeak" -pid "$server" -reset 2>"$work/peak.txt" &
watcher=$!
"$work/deskload" -card "$work/store-mem.card" -n "$n" -size "$small" >"$work/load.txt"
kill -INT "$watcher"
wait "$watcher"
read -r _ mem_anon mem_rss mem_hwm <"$work/peak.txt"
mem_after=$(load)
stop_desk
rm -rf "$work/store-mem"

# 2. Throughput.
echo "bench-post: making a vault with $big_mib MiB and its bundle" >&2
v=("$work/kluisctl" --vault "$work/vault.kluis")
"${v[@]}" init --name Bench >/dev/null
id=$("${v[@]}" add income source=Werkgever amount=2100,00 period=month kind=salary)
head -c $((big_mib << 20)) /dev/urandom >"$work/doc.pdf"
"${v[@]}" doc add "$work/doc.pdf" --record "$id" >/dev/null
rm "$work/doc.pdf"
"${v[@]}" share create --to "$work/org/organisation.card" --scope income --purpose "Aanvraag bijstand" -o "$work/big.kluis" >/dev/null
bytes=$(stat -c %s "$work/big.kluis")

post_t=() file_t=() import_t=() loads=()
for r in $(seq 1 "$rounds"); do
	echo "bench-post: round $r of $rounds (load $(load))" >&2
	loads+=("$(load)")
	for order in $( ((r % 2)) && echo "post file" || echo "file post"); do
		sync
		if [ "$order" = post ]; then
			start_desk "$work/store-$r"
			post_t+=("$("$work/deskload" -card "$work/store-$r.card" -file "$work/big.kluis")")
			stop_desk
		else
			t0=$(date +%s.%N)
			cp "$work/big.kluis" "$work/copy.kluis"
			sync "$work/copy.kluis"
			t1=$(date +%s.%N)
			"$intake" --store "$work/import-$r" import "$work/copy.kluis" >/dev/null
			t2=$(date +%s.%N)
			file_t+=("$(calc %.3f "$t1 - $t0")")
			import_t+=("$(calc %.3f "$t2 - $t1")")
			rm "$work/copy.kluis"
		fi
	done
	rm -rf "$work/store-$r" "$work/store-$r.card" "$work/import-$r"
done
post_m=$(echo "${post_t[*]}" | median)
file_m=$(echo "${file_t[*]}" | median)
import_m=$(echo "${import_t[*]}" | median)
ref_m=$(calc %.3f "$file_m + $import_m")

cat <<OUT

Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//' | cut -d' ' -f1-2), $(free -g | awk '/Mem:/ {print $2}') GiB; $(go env GOVERSION)

Memory, $n deliveries of $small bytes at once (load $mem_load before, $mem_after after):
  desk at its URL: VmHWM $(mibof "$start_hwm") MiB (the key's KDF), VmRSS $(mibof "$start_rss") MiB
  during the deliveries: VmHWM $mem_hwm MiB, sampled VmRSS $mem_rss MiB, sampled RssAnon $mem_anon MiB
  $(head -1 "$work/load.txt")
$(tail -n +2 "$work/load.txt")

Throughput, one bundle of $bytes bytes, $rounds rounds taking turns (load at each: ${loads[*]}):
  delivered over HTTPS (deskload -file): median $post_m s (${post_t[*]}), $(calc %.0f "$bytes / 1e6 / $post_m") MB/s
  file (cp + fsync): median $file_m s (${file_t[*]})
  kluis-intake import (whole process, key unlock included): median $import_m s (${import_t[*]})
  file + import: $ref_m s, $(calc %.0f "$bytes / 1e6 / $ref_m") MB/s
  delivery / (file + import) throughput: $(calc %.2f "$ref_m / $post_m")
OUT
