#!/usr/bin/env bash
# Document throughput and memory, Kluis against the reference age CLI, on the
# same file in one run. Prints a Markdown table for docs/PERFORMANCE.md.
#
#   scripts/bench-docs.sh [SIZE_MIB]     (default 1024; ROUNDS=3 in the environment)
#
# Each command runs as its own process; its peak anonymous memory (RssAnon,
# which leaves out the page cache of mapped files) is sampled from /proc
# every 10 ms. kluisctl includes one unlock (scrypt 2^18) per command; the
# "unlock only" row measures that fixed cost on its own. Kluis syncs what it
# writes as it goes (a crash or power cut loses nothing committed); age does
# not, so rows with "then sync" show age with durable output too, and a
# plain cp-then-sync shows what the disk itself needs to make the file
# durable. doc get writes its copy like cp and age do (not synced).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
command -v age >/dev/null || { echo "bench-docs: the age CLI is missing (make deps installs it)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kluis-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/kluisctl" ./cmd/kluisctl
go build -o "$work/rsspeak" ./scripts/rsspeak

printf 'bench passphrase for documents\n' >"$work/pass"
export KLUIS_PASSPHRASE_FILE="$work/pass"
kluisctl=("$work/kluisctl" --vault "$work/vault.kluis")
"${kluisctl[@]}" init --name Bench >/dev/null

echo "bench-docs: writing $size_mib MiB of random data" >&2
head -c $((size_mib << 20)) /dev/urandom >"$work/input.bin"
age-keygen -o "$work/key.txt" 2>/dev/null
recipient=$(age-keygen -y "$work/key.txt")

# measure NAME CMD…: runs CMD under rsspeak, prints "NAME|seconds|peak MiB|settled MiB".
measure() {
	local name=$1
	shift
	# Start each command on a quiet disk: flush what earlier steps wrote
	# and give the (virtual) disk a moment to settle.
	sync
	sleep 3
	local r
	r=$("$work/rsspeak" -settle 128 -- "$@" 2>&1 >"$work/out.txt" | tail -1)
	case $name in *"doc add"*) cp "$work/out.txt" "$work/add.json" ;; esac
	read -r secs peak settled <<<"$r"
	echo "$name|$secs|$peak|$settled"
}

# The virtual disk's speed drifts while it writes gigabytes back, so the
# commands run in ROUNDS rounds (default 3), age and Kluis taking turns,
# and the table shows the median of each.
rounds=${ROUNDS:-3}
results=$work/results.txt
: >"$results"
for round in $(seq "$rounds"); do
	echo "bench-docs: round $round of $rounds" >&2
	rm -rf "$work/vault.kluis" "$work/vault.kluis.docs" "$work/age.out" "$work/kluis.out"
	"${kluisctl[@]}" init --name Bench >/dev/null
	# Odd rounds run age first, even rounds Kluis first: whichever runs
	# right after a big write finds the disk busier.
	if ((round % 2)); then
		measure "age -r (encrypt)" age -r "$recipient" -o "$work/input.age" "$work/input.bin" >>"$results"
		measure "kluisctl doc add" "${kluisctl[@]}" doc add "$work/input.bin" --json >>"$results"
	else
		measure "kluisctl doc add" "${kluisctl[@]}" doc add "$work/input.bin" --json >>"$results"
		measure "age -r (encrypt)" age -r "$recipient" -o "$work/input.age" "$work/input.bin" >>"$results"
	fi
	id=$(sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' "$work/add.json" | head -1)
	[ -n "$id" ] || { echo "bench-docs: doc add printed no id" >&2; cat "$work/add.json" >&2; exit 1; }
	if ((round % 2)); then
		measure "age -d (decrypt)" age -d -i "$work/key.txt" -o "$work/age.out" "$work/input.age" >>"$results"
		measure "kluisctl doc get" "${kluisctl[@]}" doc get "$id" -o "$work/kluis.out" >>"$results"
	else
		measure "kluisctl doc get" "${kluisctl[@]}" doc get "$id" -o "$work/kluis.out" >>"$results"
		measure "age -d (decrypt)" age -d -i "$work/key.txt" -o "$work/age.out" "$work/input.age" >>"$results"
	fi
	measure "kluisctl unlock only (doc list)" "${kluisctl[@]}" doc list >>"$results"
	cmp "$work/input.bin" "$work/age.out"
	cmp "$work/input.bin" "$work/kluis.out"
done
# age leaves its output in the page cache; Kluis makes every 4 MiB durable
# (fsync) as it goes. These rows show what durable output costs age, and
# what any durable write of this file costs on this disk, without
# encryption: the floor under every row that syncs. Once each.
rm -f "$work/age.out" "$work/kluis.out"
measure "age -r, then sync" sh -c "age -r '$recipient' -o '$work/input2.age' '$work/input.bin' && sync" >>"$results"
measure "age -d, then sync" sh -c "age -d -i '$work/key.txt' -o '$work/age2.out' '$work/input.age' && sync" >>"$results"
measure "cp, then sync (no encryption)" sh -c "cp '$work/input.bin' '$work/copy.bin' && sync" >>"$results"

echo "bench-docs: every run (name|seconds|peak MiB|peak after unlock MiB):" >&2
sed 's/^/bench-docs:   /' "$results" >&2

# median NAME: the median row of NAME's results (by wall time).
median() {
	local rows
	mapfile -t rows < <(grep -F "$1|" "$results" | sort -t'|' -k2 -g)
	echo "${rows[$((${#rows[@]} / 2))]}"
}
names=("age -r (encrypt)" "age -d (decrypt)" "age -r, then sync" "age -d, then sync" "kluisctl doc add" "kluisctl doc get" "kluisctl unlock only (doc list)" "cp, then sync (no encryption)")
rows=()
for n in "${names[@]}"; do
	rows+=("$(median "$n")")
done

unlock=$(echo "${rows[6]}" | cut -d'|' -f2)
echo
echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB; $(go version | cut -d' ' -f3); age $(age --version)"
echo "File: $size_mib MiB of random data, on $(df -h "$work" | awk 'NR==2 {print $1}')"
echo
echo "| command | wall (s) | MB/s | MB/s after unlock | peak RssAnon (MiB) | peak RssAnon after unlock (MiB) |"
echo "|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
	IFS='|' read -r name secs peak settled <<<"$r"
	mbs=$(echo "scale=0; $size_mib * 1.048576 / $secs" | bc)
	net="" after=""
	case $name in
	kluisctl\ doc*)
		net=$(echo "scale=0; $size_mib * 1.048576 / ($secs - $unlock)" | bc)
		after=$settled
		;;
	*unlock*) mbs="" ;;
	*sync*) peak="" ;; # measured the shell, not age or cp
	esac
	printf '| %s | %.2f | %s | %s | %s | %s |\n' "$name" "$secs" "$mbs" "$net" "$peak" "$after"
done
