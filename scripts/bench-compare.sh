#!/usr/bin/env bash
# Kluis side by side with the reference tools, in one run: the ratio table
# of the performance targets of issue 15. Progress goes to standard error;
# the table (Markdown) to standard output and to build/bench-compare.md.
#
#   scripts/bench-compare.sh             (or: make bench-compare)
#   BENCH_QUICK=1 scripts/bench-compare.sh
#
# BENCH_QUICK=1 scales everything down to check the script in a few
# minutes: 16 MiB documents, 1,000 and 10,000 records, one round, the
# 10,000-record merge only. Its figures say nothing about the targets.
# ROUNDS=N overrides the number of rounds (default 3, quick 1).
#
# How it measures:
# - Every command is its own process, run under scripts/rsspeak -rss: wall
#   time, CPU time and the peak resident set as the kernel counts it
#   (ru_maxrss = VmHWM, file-backed pages included, as `top` shows).
# - kluisctl and kluis-intake run as their test binaries (KLUISCTL_BE_MAIN=1,
#   KLUIS_INTAKE_BE_MAIN=1, as scripts/bench-bundle.sh does): the same code
#   with scrypt at 2^10 instead of 2^18, so the unlock's KDF is left out.
#   The vaults with many records come from scripts/fillvault's test binary,
#   which makes them with that same test KDF.
# - Kluis and its reference take turns within one run: odd rounds run the
#   reference first, even rounds Kluis first. The table shows medians.
# - Cold-cache rows drop the page cache (`sync; echo 3 >
#   /proc/sys/vm/drop_caches`, needs root) before each command.
# - The KDBX files for keepassxc-cli are made with its lowest KDF setting
#   (`import -t 100`: 100 ms target decryption time) and a key file instead
#   of a password. Since that unlock cannot go lower, the search rows judge
#   the search work: each side less the same command on a database of one
#   entry (process start and unlock); the whole commands' ratio is shown too.
# - A sync with nothing new is `kluisctl sync` on an owner who lets a helper
#   manage all four categories, and on the helper, after three syncs each
#   way; "opening" is `kluisctl get ID` on the same vault (for the helper:
#   with --managed). The pack merge rows come from BenchmarkPackMergeScale
#   (each merge in a process of its own; its peak is the VmHWM that process
#   reads in its own /proc/self/status at the end, set back when it starts,
#   not the rusage ru_maxrss, which a process inherits from the one that
#   started it), the desktop app's from
#   scripts/bench-gui.sh when Xvfb and xdotool are there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Progress goes to the standard error the script started with (fd 3), also
# from inside a measurement whose standard error is redirected.
exec 3>&2
say() { echo "bench-compare: $*" >&3; }

quick=${BENCH_QUICK:-0}
if [[ $quick == 1 ]]; then
	doc_sizes=(16)        # MiB: the "256 MiB and 1 GiB" of doc add
	big_mib=16            # the "1 GiB" of doc get and the memory rows
	alloc_mib=16          # BenchmarkDocumentIn's document
	bundle_mib=16         # the "500 MiB" of the bundle rows
	bundle_records=1000   # the "1,000 records" of the bundle rows
	scale=(1000 10000)    # the "10k and 100k" of opening, search and size
	merge_pattern='PackMergeScale/^10000$'
	rounds=${ROUNDS:-1}
	runs=3 # get ID and search: runs per size per round
	pause=1
	gui_records=1000
else
	doc_sizes=(256 1024)
	big_mib=1024
	alloc_mib=256
	bundle_mib=500
	bundle_records=1000
	scale=(10000 100000)
	merge_pattern='PackMergeScale'
	rounds=${ROUNDS:-3}
	runs=5
	pause=3
	gui_records=10000
fi
small_mib=1
nsmall=${scale[0]}
nlarge=${scale[1]}

for t in go age age-keygen tar keepassxc-cli setsid awk; do
	command -v "$t" >/dev/null || {
		say "$t is missing (make bench-deps installs age and keepassxc)"
		exit 1
	}
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kluis-bench-compare.XXXXXX")
child=""
cleanup() {
	if [[ -n $child ]]; then
		kill -TERM -- "-$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'say "stopped"; exit 143' TERM INT HUP

# bg CMD…: runs CMD in a process group of its own and waits for it, so that
# a SIGTERM to this script stops CMD and all its children straight away.
bg() {
	setsid "$@" &
	child=$!
	local rc=0
	wait "$child" || rc=$?
	child=""
	return "$rc"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
say "$( ((quick)) && echo "BENCH_QUICK: a scaled-down run" || echo "the full run")"
say "building the test binaries (scrypt at 2^10)"
go test -c -o "$work/kluisctl.test" ./cmd/kluisctl
go test -c -o "$work/kluis-intake.test" ./cmd/kluis-intake
go test -c -o "$work/fillvault.test" ./scripts/fillvault
go build -o "$work/rsspeak" ./scripts/rsspeak

printf 'bench passphrase for comparisons\n' >"$work/pass"
export KLUIS_PASSPHRASE_FILE="$work/pass" KLUIS_INTAKE_PASSPHRASE_FILE="$work/pass"
export KLUIS_INTAKE_KEY="$work/org/organisation.key"
# The list of vaults as Kluis last closed them (boltfile.Marks) is kept in
# the run's folder, not in the user's cache.
export XDG_CACHE_HOME="$work/cache"
kluisctl=(env KLUISCTL_BE_MAIN=1 "$work/kluisctl.test")
intake=(env KLUIS_INTAKE_BE_MAIN=1 "$work/kluis-intake.test")
fillvault=(env FILLVAULT_BE_MAIN=1 "$work/fillvault.test")
"${intake[@]}" keygen --org "Gemeente Bench" -o "$work/org" >/dev/null
card=$work/org/organisation.card
age-keygen -o "$work/age-key.txt" 2>/dev/null
recipient=$(age-keygen -y "$work/age-key.txt")

can_drop=0
if sync && echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then
	can_drop=1
else
	say "cannot drop the page cache (not root?): cold rows are skipped"
fi

results=$work/results.txt
: >"$results"

# measure [-cold] KEY CMD…: runs CMD under rsspeak (its output in
# $work/m.out) and appends "KEY|wall s|VmHWM MiB|CPU s" to the results.
measure() {
	local cold=0
	if [[ $1 == -cold ]]; then
		cold=1
		shift
	fi
	local key=$1
	shift
	sync
	if ((cold)); then
		echo 3 >/proc/sys/vm/drop_caches
	else
		sleep "$pause"
	fi
	if ! bg "$work/rsspeak" -rss -- "$@" >"$work/m.out" 2>"$work/m.err"; then
		say "failed: $key: $*"
		tail -20 "$work/m.err" >&2
		exit 1
	fi
	local secs hwm cpu
	read -r secs _ _ _ hwm cpu < <(tail -1 "$work/m.err")
	echo "$key|$secs|$hwm|$cpu" >>"$results"
	say "  $key: $secs s, VmHWM $hwm MiB, CPU $cpu s"
}

# med KEY [FIELD]: the median of a field (2 wall, 3 VmHWM, 4 CPU) of KEY's
# runs; "nan" when there are none.
med() {
	awk -F'|' -v k="$1" -v f="${2:-2}" '$1 == k {print $f}' "$results" | sort -g |
		awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# span KEY [FIELD]: "min–max" of KEY's runs (only the value for one run).
span() {
	awk -F'|' -v k="$1" -v f="${2:-2}" '$1 == k {print $f}' "$results" | sort -g |
		awk 'NR == 1 {lo = $1} {hi = $1} END {if (NR == 0) print "-"; else if (NR == 1) print lo; else print lo "–" hi}'
}

# calc EXPR: awk arithmetic on measured figures; "nan" when one is missing.
# Printed with three significant digits (whole numbers from 100 on).
calc() {
	if [[ $1 == *nan* ]]; then
		echo nan
		return
	fi
	awk "BEGIN {x = $1; a = x < 0 ? -x : x; if (a >= 100) printf \"%.0f\n\", x; else if (a >= 1) printf \"%.2f\n\", x; else printf \"%.3g\n\", x}"
}

# verdict VALUE OP LIMIT: "met" or "not met" (OP is <=, < or >=).
verdict() {
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		if (v == "nan" || v == "") { print "not measured"; exit }
		ok = (op == "<=") ? v + 0 <= t + 0 : (op == "<") ? v + 0 < t + 0 : v + 0 >= t + 0
		print ok ? "**met**" : "**not met**"
	}'
}

# row SECTION WHAT KLUIS REFERENCE RATIO TARGET RESULT: a table row; the
# table lists them in the order of the issue's targets (SECTION).
rows=()
row() { rows+=("$1	| $2 | $3 | $4 | $5 | $6 | $7 |"); }

# ---------------------------------------------------------------------------
# 1 and 2. doc add against age -r + fsync; doc get against age -d.
for size in "${doc_sizes[@]}"; do
	say "doc add, $size MiB: writing random data"
	head -c $((size << 20)) /dev/urandom >"$work/in-$size.bin"
	for round in $(seq "$rounds"); do
		say "doc add, $size MiB, round $round of $rounds"
		rm -rf "$work/add-$size.kluis" "$work/add-$size.kluis.docs" "$work/add-$size.age"
		"${kluisctl[@]}" --vault "$work/add-$size.kluis" init --name Bench >/dev/null
		# Odd rounds: age, cp, Kluis; even rounds: Kluis, cp, age. `sync FILE`
		# is an fsync of that file: durable output, as Kluis's is.
		order=(age cp kluis)
		((round % 2)) || order=(kluis cp age)
		for who in "${order[@]}"; do
			case $who in
			age)
				measure "add-ref-$size" sh -c 'age -r "$1" -o "$2" "$3" && sync "$2"' _ \
					"$recipient" "$work/add-$size.age" "$work/in-$size.bin"
				;;
			cp)
				rm -f "$work/copy.bin"
				measure "add-cp-$size" sh -c 'cp "$1" "$2" && sync "$2"' _ "$work/in-$size.bin" "$work/copy.bin"
				rm -f "$work/copy.bin"
				;;
			kluis)
				measure "add-kluis-$size" "${kluisctl[@]}" --vault "$work/add-$size.kluis" doc add "$work/in-$size.bin" --json
				sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' "$work/m.out" | head -1 >"$work/add-$size.id"
				;;
			esac
		done
	done
	[[ -s $work/add-$size.id ]] || {
		say "doc add printed no id"
		exit 1
	}
done
for size in "${doc_sizes[@]}"; do
	kluis_t=$(med "add-kluis-$size")
	ref_t=$(med "add-ref-$size")
	ratio=$(calc "$ref_t / $kluis_t")
	cp_t=$(med "add-cp-$size")
	row 1 "\`doc add\` $size MiB: throughput against \`age -r\` + fsync of its output (and \`cp\` + fsync, the disk's durable floor, no encryption)" \
		"$kluis_t s ($(span "add-kluis-$size") s; $(calc "$size * 1.048576 / $kluis_t") MB/s), VmHWM $(med "add-kluis-$size" 3) MiB" \
		"age: $ref_t s ($(span "add-ref-$size") s; $(calc "$size * 1.048576 / $ref_t") MB/s); cp: $cp_t s ($(span "add-cp-$size") s)" \
		"$ratio× age's throughput ($(calc "$cp_t / $kluis_t")× cp's)" "≥ 0.8×" "$(verdict "$ratio" ">=" 0.8)"
done

say "allocations: BenchmarkDocumentIn, $alloc_mib MiB"
bg env KLUIS_BENCH_DOC_MIB="$alloc_mib" go test -run '^$' -bench '^BenchmarkDocumentIn$' -benchmem -benchtime 1x ./vault >"$work/alloc.txt" 2>&1 ||
	{
		cat "$work/alloc.txt" >&2
		exit 1
	}
bop=$(awk '/^BenchmarkDocumentIn/ {for (i = 2; i < NF; i++) if ($(i + 1) == "B/op") print $i}' "$work/alloc.txt")
say "  $(grep '^BenchmarkDocumentIn' "$work/alloc.txt")"
per_byte=$(calc "${bop:-nan} / ($alloc_mib * 1048576)")
row 1 "\`doc add\`: bytes allocated per document byte (\`BenchmarkDocumentIn\`, $alloc_mib MiB, in process)" \
	"$(calc "${bop:-nan} / 1e6") MB allocated" "–" "$per_byte B/B" "≤ 0.05" "$(verdict "$per_byte" "<=" 0.05)"

size=$big_mib
[[ -s $work/add-$size.id ]] || {
	say "doc get needs $size MiB among the doc add sizes"
	exit 1
}
id=$(cat "$work/add-$size.id")
for round in $(seq "$rounds"); do
	say "doc get, $size MiB, round $round of $rounds"
	for kind in warm cold; do
		[[ $kind == cold && $can_drop == 0 ]] && continue
		flag=(-cold)
		if [[ $kind == warm ]]; then
			flag=()
			cat "$work/add-$size.kluis" "$work/add-$size.age" >/dev/null # both files in the page cache
		fi
		for turn in 1 2; do
			rm -f "$work/get.out"
			if (((round + turn) % 2 == 0)); then
				measure "${flag[@]}" "get-$kind-ref" age -d -i "$work/age-key.txt" -o "$work/get.out" "$work/add-$size.age"
			else
				measure "${flag[@]}" "get-$kind-kluis" "${kluisctl[@]}" --vault "$work/add-$size.kluis" doc get "$id" -o "$work/get.out"
			fi
			cmp -s "$work/get.out" "$work/in-$size.bin" || {
				say "doc get: the copy differs from the input"
				exit 1
			}
		done
	done
done
for kind in warm cold; do
	if [[ $kind == cold && $can_drop == 0 ]]; then
		row 2 "\`doc get\` $size MiB, cold page cache" "–" "–" "–" "≤ 1.2×" "cold: skipped, cannot drop caches"
		continue
	fi
	kluis_t=$(med "get-$kind-kluis")
	ref_t=$(med "get-$kind-ref")
	ratio=$(calc "$kluis_t / $ref_t")
	row 2 "\`doc get\` $size MiB, $kind page cache, against \`age -d\`" \
		"$kluis_t s ($(span "get-$kind-kluis") s)" "$ref_t s ($(span "get-$kind-ref") s)" \
		"$ratio× time" "≤ 1.2×" "$(verdict "$ratio" "<=" 1.2)"
done
rm -f "$work/get.out" "$work/add-$size.age"
for s in "${doc_sizes[@]}"; do
	rm -rf "$work/add-$s.kluis" "$work/add-$s.kluis.docs"
	[[ $s == "$big_mib" ]] || rm -f "$work/in-$s.bin"
done

# ---------------------------------------------------------------------------
# 3. Memory: the same four commands with a big and with a 1 MiB document.
head -c $((small_mib << 20)) /dev/urandom >"$work/in-$small_mib.bin"
[[ -f $work/in-$big_mib.bin ]] || head -c $((big_mib << 20)) /dev/urandom >"$work/in-$big_mib.bin"
for round in $(seq "$rounds"); do
	say "memory, $small_mib MiB and $big_mib MiB, round $round of $rounds"
	sizes=("$small_mib" "$big_mib")
	((round % 2)) || sizes=("$big_mib" "$small_mib")
	for s in "${sizes[@]}"; do
		v=$work/mem-$s.kluis
		rm -rf "$v" "$work/mem-$s.bundle" "$work/mem-$s.store" "$work/mem.out"
		"${kluisctl[@]}" --vault "$v" init --name Bench >/dev/null
		rid=$("${kluisctl[@]}" --vault "$v" add income source=Werkgever amount=2100,00 period=month kind=salary)
		measure "mem-add-$s" "${kluisctl[@]}" --vault "$v" doc add "$work/in-$s.bin" --record "$rid" --json
		did=$(sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' "$work/m.out" | head -1)
		measure "mem-get-$s" "${kluisctl[@]}" --vault "$v" doc get "$did" -o "$work/mem.out"
		measure "mem-share-$s" "${kluisctl[@]}" --vault "$v" share create --to "$card" --scope income \
			--purpose Bench -o "$work/mem-$s.bundle"
		measure "mem-import-$s" "${intake[@]}" --store "$work/mem-$s.store" import "$work/mem-$s.bundle"
		rm -rf "$v" "$work/mem-$s.bundle" "$work/mem-$s.store" "$work/mem.out"
	done
done
for c in add get share import; do
	case $c in
	add) what="\`kluisctl doc add\`" ref="age -r + fsync, $big_mib MiB: $(med "add-ref-$big_mib" 3) MiB" ;;
	get) what="\`kluisctl doc get\`" ref="age -d, $big_mib MiB: $(med get-warm-ref 3) MiB" ;;
	share) what="\`kluisctl share create\`" ref="–" ;;
	import) what="\`kluis-intake import\`" ref="–" ;;
	esac
	big=$(med "mem-$c-$big_mib" 3)
	small=$(med "mem-$c-$small_mib" 3)
	growth=$(calc "$big - $small")
	row 3 "memory: $what, peak RSS (VmHWM) with a $big_mib MiB document less with a $small_mib MiB one" \
		"$big MiB − $small MiB" "$ref" "+$growth MiB" "≤ 64 MiB" "$(verdict "$growth" "<=" 64)"
done
rm -f "$work/in-$big_mib.bin" "$work/in-$small_mib.bin"

# ---------------------------------------------------------------------------
# 4. Share bundles against tar c | age -r and age -d | tar x.
say "bundle: a vault of $bundle_records records and $bundle_mib MiB of documents"
bv=$work/bundle.kluis
bg "${fillvault[@]}" -vault "$bv" -passphrase-file "$work/pass" -n "$bundle_records" >/dev/null
mapfile -t bids < <("${kluisctl[@]}" --vault "$bv" list --json | sed -n 's/^    "id": "\([^"]*\)",$/\1/p' | head -5)
((${#bids[@]} == 5)) || {
	say "bundle: could not read five record ids"
	exit 1
}
mkdir -p "$work/bundle-docs"
for i in 0 1 2 3 4; do
	head -c $((bundle_mib * 1048576 / 5)) /dev/urandom >"$work/bundle-docs/document-$i.pdf"
	"${kluisctl[@]}" --vault "$bv" doc add "$work/bundle-docs/document-$i.pdf" --record "${bids[$i]}" >/dev/null
done
share=("${kluisctl[@]}" --vault "$bv" share create --to "$card" --scope debts,income,network,costs --purpose Bench -o "$work/bundle.out")
# The reference tools get the same data: the documents and the records as
# the organisation sees them (one bundle made, imported and exported first).
"${share[@]}" >/dev/null
"${intake[@]}" --store "$work/prep-store" import "$work/bundle.out" >/dev/null
case_id=$("${intake[@]}" --store "$work/prep-store" list --json | sed -n 's/.*"id": "\([^"]*\)",$/\1/p' | head -1)
"${intake[@]}" --store "$work/prep-store" export "$case_id" -o "$work/prep-export" >/dev/null
cp "$work/prep-export/records.json" "$work/bundle-docs/"
rm -rf "$work/prep-store" "$work/prep-export" "$work/bundle.out"
for round in $(seq "$rounds"); do
	say "bundle, round $round of $rounds"
	for turn in 1 2; do
		if (((round + turn) % 2 == 0)); then
			rm -f "$work/ref.age"
			measure bundle-create-ref sh -c 'tar c -C "$1" . | age -r "$2" >"$3"' _ "$work/bundle-docs" "$recipient" "$work/ref.age"
		else
			rm -f "$work/bundle.out"
			measure bundle-create-kluis "${share[@]}"
		fi
	done
	for turn in 1 2; do
		if (((round + turn) % 2 == 0)); then
			rm -rf "$work/untar" && mkdir "$work/untar"
			measure bundle-import-ref sh -c 'age -d -i "$1" "$2" | tar x -C "$3"' _ "$work/age-key.txt" "$work/ref.age" "$work/untar"
		else
			rm -rf "$work/bundle-store"
			measure bundle-import-kluis "${intake[@]}" --store "$work/bundle-store" import "$work/bundle.out"
		fi
	done
done
for c in create import; do
	kluis_t=$(med "bundle-$c-kluis")
	ref_t=$(med "bundle-$c-ref")
	ratio=$(calc "$kluis_t / $ref_t")
	if [[ $c == create ]]; then
		what="\`share create\`, $bundle_records records + $bundle_mib MiB, against \`tar c \\| age -r\`"
	else
		what="\`kluis-intake import\` of that bundle, against \`age -d \\| tar x\`"
	fi
	row 4 "$what" "$kluis_t s ($(span "bundle-$c-kluis") s), VmHWM $(med "bundle-$c-kluis" 3) MiB" \
		"$ref_t s ($(span "bundle-$c-ref") s)" "$ratio× time" "≤ 1.2×" "$(verdict "$ratio" "<=" 1.2)"
done
rm -rf "$work/bundle-docs" "$work/bundle.out" "$work/ref.age" "$work/untar" "$work/bundle-store" "$bv"

# ---------------------------------------------------------------------------
# 6, 7 and 8. Opening (get ID), vault size and search, at two sizes, with
# KDBX files of the same entries for keepassxc-cli.
term="Schuldeiser 996" # a few records from 1,000 on, more as the vault grows
for n in 1 "$nsmall" "$nlarge"; do
	say "making a vault and a KDBX file of $n records"
	bg "${fillvault[@]}" -vault "$work/scale-$n.kluis" -passphrase-file "$work/pass" -n "$n" -keepass-xml "$work/scale-$n.xml" >/dev/null
	bg keepassxc-cli import -q --set-key-file "$work/kdbx-$n.key" -t 100 "$work/scale-$n.xml" "$work/scale-$n.kdbx" </dev/null >/dev/null
	rm -f "$work/scale-$n.xml"
done
kp=(keepassxc-cli search -q --no-password)
for n in "$nsmall" "$nlarge"; do
	# The record in the middle: fillvault's debt number n/2.
	"${kluisctl[@]}" --vault "$work/scale-$n.kluis" search "Schuldeiser $((n / 2))" >"$work/ids"
	awk -v want="$((n / 2))" '$NF == want {print $1; exit}' "$work/ids" >"$work/scale-$n.id"
	[[ -s $work/scale-$n.id ]] || {
		say "no record Schuldeiser $((n / 2)) in the vault of $n"
		exit 1
	}
	got_k=$("${kluisctl[@]}" --vault "$work/scale-$n.kluis" search "$term" | grep -cE '^[0-9a-f]{8}-' || true)
	got_r=$("${kp[@]}" -k "$work/kdbx-$n.key" "$work/scale-$n.kdbx" "$term" | grep -c . || true)
	say "  \"$term\" in $n: Kluis finds $got_k records, keepassxc-cli $got_r entries"
	printf '%s %s\n' "$got_k" "$got_r" >"$work/found-$n"
	# Warm up both, untimed.
	"${kluisctl[@]}" --vault "$work/scale-$n.kluis" get "$(cat "$work/scale-$n.id")" >/dev/null
	"${kp[@]}" -k "$work/kdbx-$n.key" "$work/scale-$n.kdbx" "$term" >/dev/null || true
done
saved_pause=$pause
pause=0
for round in $(seq "$rounds"); do
	say "get ID and search, round $round of $rounds ($runs runs each)"
	for run in $(seq "$runs"); do
		sizes=("$nsmall" "$nlarge")
		(((round + run) % 2)) && sizes=("$nlarge" "$nsmall")
		for n in "${sizes[@]}"; do
			measure "get-$n" "${kluisctl[@]}" --vault "$work/scale-$n.kluis" get "$(cat "$work/scale-$n.id")"
		done
		# The same with the list of marks gone, as after a change to the
		# file: the whole tree is walked. The list holds the marks of
		# both vaults, so both are marked again afterwards, untimed (an
		# open that walked the tree marks the vault when it closes).
		for n in "${sizes[@]}"; do
			measure "getwalk-$n" sh -c 'rm -f "$0" && exec "$@"' "$XDG_CACHE_HOME/kluis/checked-files" \
				"${kluisctl[@]}" --vault "$work/scale-$n.kluis" get "$(cat "$work/scale-$n.id")"
		done
		for n in "${sizes[@]}"; do
			"${kluisctl[@]}" --vault "$work/scale-$n.kluis" get "$(cat "$work/scale-$n.id")" >/dev/null
		done
		for n in 1 "$nsmall" "$nlarge"; do
			t=$term
			((n == 1)) && t="Schuldeiser 0"
			for turn in 1 2; do
				if (((round + turn) % 2 == 0)); then
					measure "search-ref-$n" "${kp[@]}" -k "$work/kdbx-$n.key" "$work/scale-$n.kdbx" "$t"
				else
					measure "search-kluis-$n" "${kluisctl[@]}" --vault "$work/scale-$n.kluis" search "$t"
				fi
			done
		done
	done
done
pause=$saved_pause

g_small=$(med "get-$nsmall")
g_large=$(med "get-$nlarge")
ratio=$(calc "$g_large / $g_small")
row 6 "\`kluisctl get ID\` (open a vault as Kluis last closed it — its top and small buckets checked, the rest before the first write —, unlock, one record), $nlarge records against $nsmall" \
	"$nlarge: $g_large s ($(span "get-$nlarge") s), VmHWM $(med "get-$nlarge" 3) MiB" \
	"$nsmall: $g_small s ($(span "get-$nsmall") s)" "$ratio×" "≤ 1.5×" "$(verdict "$ratio" "<=" 1.5)"
w_small=$(med "getwalk-$nsmall")
w_large=$(med "getwalk-$nlarge")
row 6 "\`kluisctl get ID\` the first time after the file changed (the whole tree walked at open), $nlarge records against $nsmall" \
	"$nlarge: $w_large s ($(span "getwalk-$nlarge") s)" \
	"$nsmall: $w_small s ($(span "getwalk-$nsmall") s)" "$(calc "$w_large / $w_small")×" "–" "–"

bytes=$(stat -c %s "$work/scale-$nlarge.kluis")
kdbx_bytes=$(stat -c %s "$work/scale-$nlarge.kdbx")
per=$(calc "$bytes / $nlarge")
row 7 "vault size at $nlarge records (fillvault's data; fillvault adds each record once, so no history is kept to count)" \
	"$per bytes/record ($(calc "$bytes / 1048576") MiB)" \
	"KDBX of the same entries: $(calc "$kdbx_bytes / $nlarge") bytes/entry" \
	"$(calc "$bytes / $kdbx_bytes")× KDBX" "≤ 600 bytes/record" "$(verdict "$per" "<=" 600)"

k1=$(med search-kluis-1)
r1=$(med search-ref-1)
for n in "$nsmall" "$nlarge"; do
	k=$(med "search-kluis-$n")
	r=$(med "search-ref-$n")
	net=$(calc "($k - $k1) / ($r - $r1)")
	read -r got_k got_r <"$work/found-$n"
	row 8 "search \"$term\" in $n entries: \`kluisctl search\` against \`keepassxc-cli search\` (found $got_k and $got_r); ratio of the search work, each side less its command on 1 entry ($k1 s and $r1 s)" \
		"$k s ($(span "search-kluis-$n") s), VmHWM $(med "search-kluis-$n" 3) MiB" \
		"$r s ($(span "search-ref-$n") s), VmHWM $(med "search-ref-$n" 3) MiB" \
		"$net× (whole commands $(calc "$k / $r")×)" "≤ 1×" "$(verdict "$net" "<=" 1)"
done

# A sync with nothing new against opening the same vault, on both sides: an
# owner (a copy of the vault above) who lets a helper manage all four
# categories, after three syncs each way, so every pack has been handled.
for n in "$nsmall" "$nlarge"; do
	say "sync with nothing new, $n records: an owner and a helper, three syncs each way"
	d=$work/sync-$n
	mkdir -p "$d/folder"
	cp "$work/scale-$n.kluis" "$d/owner.kluis"
	"${kluisctl[@]}" --vault "$d/helper.kluis" init --name Helper >/dev/null
	"${kluisctl[@]}" --vault "$d/owner.kluis" contact -o "$d/owner.code" >/dev/null
	"${kluisctl[@]}" --vault "$d/helper.kluis" contact -o "$d/helper.code" >/dev/null
	"${kluisctl[@]}" --vault "$d/owner.kluis" contact add "$d/helper.code" >/dev/null
	"${kluisctl[@]}" --vault "$d/helper.kluis" contact add "$d/owner.code" >/dev/null
	"${kluisctl[@]}" --vault "$d/owner.kluis" delegate grant "$d/helper.code" --role manage \
		--scope debts,income,network,costs --until "$(date -d '+1 year' +%F)" >/dev/null
	for _ in 1 2 3; do
		bg "${kluisctl[@]}" --vault "$d/owner.kluis" sync --dir "$d/folder" >/dev/null
		bg "${kluisctl[@]}" --vault "$d/helper.kluis" sync --dir "$d/folder" >/dev/null
	done
	for side in owner helper; do
		"${kluisctl[@]}" --vault "$d/$side.kluis" sync --dir "$d/folder" --json >"$work/quiet.json"
		grep -q '"received": \[\],' "$work/quiet.json" && grep -q '"written": \[\],' "$work/quiet.json" || {
			say "the $side's sync at $n records is not quiet after three rounds:"
			cat "$work/quiet.json" >&2
			exit 1
		}
	done
	"${kluisctl[@]}" --vault "$d/helper.kluis" managed list --json | sed -n 's/^    "id": "\([^"]*\)",$/\1/p' | head -1 >"$d/managed.id"
	[[ -s $d/managed.id ]] || {
		say "the helper manages no vault at $n records"
		exit 1
	}
done
saved_pause=$pause
pause=0
for round in $(seq "$rounds"); do
	say "sync with nothing new against get ID, round $round of $rounds ($runs runs each)"
	for run in $(seq "$runs"); do
		for n in "$nsmall" "$nlarge"; do
			d=$work/sync-$n
			rid=$(cat "$work/scale-$n.id")
			for turn in 1 2; do # opening first in odd runs of odd rounds, then by turns
				if (((round + run + turn) % 2 == 1)); then
					measure "quiet-owner-open-$n" "${kluisctl[@]}" --vault "$d/owner.kluis" get "$rid"
					measure "quiet-helper-open-$n" "${kluisctl[@]}" --vault "$d/helper.kluis" --managed "$(cat "$d/managed.id")" get "$rid"
				else
					measure "quiet-owner-sync-$n" "${kluisctl[@]}" --vault "$d/owner.kluis" sync --dir "$d/folder"
					measure "quiet-helper-sync-$n" "${kluisctl[@]}" --vault "$d/helper.kluis" sync --dir "$d/folder"
				fi
			done
		done
	done
done
pause=$saved_pause
for n in "$nsmall" "$nlarge"; do
	for side in owner helper; do
		sy=$(med "quiet-$side-sync-$n")
		op=$(med "quiet-$side-open-$n")
		ratio=$(calc "$sy / $op")
		if [[ $side == owner ]]; then
			what="sync with nothing new, the owner's vault of $n records (one helper): \`kluisctl sync\` against opening it (\`get ID\`)"
		else
			what="sync with nothing new, the helper's side (his vault and the copy of $n records): \`kluisctl sync\` against opening them (\`--managed ID get ID\`)"
		fi
		row 5 "$what" "$sy s ($(span "quiet-$side-sync-$n") s)" "$op s ($(span "quiet-$side-open-$n") s)" \
			"$ratio×" "≤ 1.2×" "$(verdict "$ratio" "<=" 1.2)"
	done
done
rm -rf "$work/sync-$nsmall" "$work/sync-$nlarge"
for n in 1 "$nsmall" "$nlarge"; do rm -f "$work/scale-$n".*; done

# ---------------------------------------------------------------------------
# 5. Sync: the pack merge benchmark (each merge in a process of its own).
say "sync: go test -bench '$merge_pattern' -benchtime 1x -count $rounds ./citizen/delegation"
bg go test -run '^$' -bench "$merge_pattern" -benchtime 1x -count "$rounds" -timeout 60m ./citizen/delegation >"$work/merge.txt" 2>&1 ||
	{
		cat "$work/merge.txt" >&2
		exit 1
	}
awk '/^BenchmarkPackMergeScale\// {
	split($1, name, "[/-]")
	w = p = c = ""
	for (i = 3; i < NF; i++) {
		if ($(i + 1) == "s/merge") w = $i
		if ($(i + 1) == "peakMiB") p = $i
		if ($(i + 1) == "cpu-s") c = $i
	}
	print "merge-" name[2] "|" w "|" p "|" c
}' "$work/merge.txt" >>"$results"
grep '^merge-' "$results" | sed 's/^/bench-compare:   /' >&3
m10=$(calc "$(med merge-10000)")
m100=$(calc "$(med merge-100000)")
peak_max=$(awk -F'|' '/^merge-/ && $3 != "" {n++; if ($3 + 0 > m) m = $3 + 0} END {print n ? m : "nan"}' "$results")
if [[ $m100 == nan ]]; then
	row 5 "sync: merging a pack of 100,000 records against 10,000 (\`BenchmarkPackMergeScale\`)" \
		"10,000: $m10 s, CPU $(calc "$(med merge-10000 4)") s, VmHWM $(calc "$(med merge-10000 3)") MiB" "–" "–" "≤ 11×" \
		"$( ((quick)) && echo "not measured (BENCH_QUICK runs the 10,000-record merge only)" || echo "not measured: the benchmark reported no 100,000-record merge")"
else
	ratio=$(calc "$m100 / $m10")
	row 5 "sync: merging a pack of 100,000 records against 10,000 (\`BenchmarkPackMergeScale\`, wall time; CPU $(calc "$(med merge-100000 4)") s against $(calc "$(med merge-10000 4)") s: $(calc "$(med merge-100000 4) / $(med merge-10000 4)")×)" \
		"100,000: $m100 s ($(span merge-100000) s)" "10,000: $m10 s ($(span merge-10000) s)" \
		"$ratio×" "≤ 11×" "$(verdict "$ratio" "<=" 11)"
fi
row 5 "sync: peak RSS (VmHWM, read by the merging process itself) of the merging process, highest of all runs" \
	"$peak_max MiB (100,000: $(span merge-100000 3) MiB; 10,000: $(span merge-10000 3) MiB)" "–" "–" "< 128 MiB" \
	"$(verdict "$peak_max" "<" 128)$([[ $m100 == nan ]] && echo " (10,000 only)")"

# ---------------------------------------------------------------------------
# 9. The desktop app, through scripts/bench-gui.sh (Xvfb).
if command -v xvfb-run >/dev/null && command -v xdotool >/dev/null && command -v import >/dev/null; then
	say "desktop app: scripts/bench-gui.sh $gui_records"
	if bg scripts/bench-gui.sh "$gui_records" >"$work/gui.txt" 2>"$work/gui.err"; then
		start=$(awk -F'|' '/cold start/ {gsub(/[ s]/, "", $3); print $3}' "$work/gui.txt")
		idle=$(awk -F'|' '/VmRSS after unlock/ {gsub(/[ MiB]/, "", $3); print $3}' "$work/gui.txt")
		start=$(calc "$start")
		times=$(sed -n 's/.*median of 5: \([^)]*\)).*/\1/p' "$work/gui.txt" | awk '{for (i = 1; i <= NF; i++) printf "%s%.2f", (i > 1 ? ", " : ""), $i}')
		row 9 "desktop app: cold start to the unlock window (median of 5, Xvfb)" "$start s ($times)" "–" "–" "≤ 1 s" "$(verdict "$start" "<=" 1)"
		row 9 "desktop app: idle VmRSS, unlocked, a category open, $gui_records records (Xvfb, software OpenGL)" "$idle MiB" "–" "–" "≤ 150 MiB" "$(verdict "$idle" "<=" 150)"
	else
		tail -5 "$work/gui.err" >&2
		row 9 "desktop app: cold start and idle RSS" "–" "–" "–" "≤ 1 s, ≤ 150 MiB" "not measured: scripts/bench-gui.sh failed (see above); run it alone"
	fi
else
	row 9 "desktop app: cold start and idle RSS" "–" "–" "–" "≤ 1 s, ≤ 150 MiB" "not measured: run scripts/bench-gui.sh (needs xvfb, xdotool, imagemagick: make deps)"
fi

# ---------------------------------------------------------------------------
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p build
{
	echo "## Kluis side by side ($( ((quick)) && echo "BENCH_QUICK=1: scaled down, not the targets' sizes" || echo "full run"))"
	echo
	echo "Run $started with \`make bench-compare\` ($rounds round(s), alternating, medians; the range in brackets)."
	echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB;" \
		"load average $load_start at the start, $load_end at the end; $(go version | cut -d' ' -f3); age $(age --version);" \
		"keepassxc-cli $(keepassxc-cli --version 2>/dev/null | head -1); disk $(df "$work" | awk 'NR==2 {print $1}')."
	echo "Kluis commands are test binaries (scrypt 2^10: the KDF left out); KDBX files use keepassxc-cli's lowest KDF setting (100 ms) and a key file."
	((can_drop)) || echo "Cold page cache: skipped, cannot drop caches."
	echo
	echo "| what | Kluis | reference | ratio | target | result |"
	echo "|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}" | sort -s -n -k1,1 | cut -f2-
} | tee build/bench-compare.md
say "every run (key|wall s|VmHWM MiB|CPU s) is above; the table is in build/bench-compare.md"
