#!/usr/bin/env bash
# Share bundles against the reference tools: `kluisctl share create` and
# `kluis-intake import` next to `tar c | age -r` and `age -d | tar x` on
# the same files, in one run. Prints a Markdown table for docs/PERFORMANCE.md.
#
#   scripts/bench-bundle.sh [DOC_MIB] [RECORDS]     (default 500 MiB, 1000 records)
#
# The documents are five files of random data, together DOC_MIB MiB, each
# linked to a record. Each command runs as its own process; its peak
# anonymous memory (RssAnon) is sampled from /proc (scripts/rsspeak).
#
# Both CLIs run as their test binaries (KLUISCTL_BE_MAIN=1,
# KLUIS_INTAKE_BE_MAIN=1): the same code, but with scrypt at 2^10 instead
# of 2^18, so filling the vault with 1,000 records takes seconds and the
# rows measure the bundle work. A release binary adds one key derivation
# per command (about 0.7 s and 256 MiB, given back before the work starts;
# see scripts/bench-docs.sh, "unlock only").
set -euo pipefail
cd "$(dirname "$0")/.."
doc_mib=${1:-500}
nrec=${2:-1000}
for t in age age-keygen tar; do
	command -v $t >/dev/null || { echo "bench-bundle: $t is missing (make deps installs age)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kluis-bench-bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/kluisctl.test" ./cmd/kluisctl
go test -c -o "$work/kluis-intake.test" ./cmd/kluis-intake
go build -o "$work/rsspeak" ./scripts/rsspeak

printf 'bench passphrase for bundles\n' >"$work/pass"
export KLUIS_PASSPHRASE_FILE="$work/pass" KLUIS_INTAKE_PASSPHRASE_FILE="$work/pass"
export KLUIS_INTAKE_KEY="$work/org/organisation.key"
kluisctl=(env KLUISCTL_BE_MAIN=1 "$work/kluisctl.test" --vault "$work/vault.kluis")
intake=(env KLUIS_INTAKE_BE_MAIN=1 "$work/kluis-intake.test")

"${kluisctl[@]}" init --name Bench >/dev/null
"${intake[@]}" keygen --org "Gemeente Bench" -o "$work/org" >/dev/null
echo "bench-bundle: adding $nrec records" >&2
ids=()
for i in $(seq 1 "$nrec"); do
	if ((i % 2)); then
		ids+=("$("${kluisctl[@]}" add income "source=Werkgever $i" "amount=$((1000 + i)),00" period=month kind=salary)")
	else
		ids+=("$("${kluisctl[@]}" add debts "creditor=Schuldeiser $i" "amount=$((50 + i))" status=open "reference=REF-$i")")
	fi
done
echo "bench-bundle: writing and adding $doc_mib MiB of documents" >&2
mkdir -p "$work/docs"
for i in 1 2 3 4 5; do
	head -c $((doc_mib * 1024 * 1024 / 5)) /dev/urandom >"$work/docs/document-$i.pdf"
	"${kluisctl[@]}" doc add "$work/docs/document-$i.pdf" --record "${ids[$i]}" >/dev/null
done

# measure NAME CMD…: prints "NAME;seconds;peak MiB".
measure() {
	local name=$1
	shift
	sync
	local r
	r=$("$work/rsspeak" -- "$@" 2>&1 >"$work/out.txt" | tail -1)
	read -r secs peak _ <<<"$r"
	echo "$name;$secs;$peak"
}

rows=()
rows+=("$(measure "kluisctl share create" "${kluisctl[@]}" share create --to "$work/org/organisation.card" \
	--scope income,debts --purpose Bench -o "$work/bundle.kluis")")
rows+=("$(measure "kluis-intake import" "${intake[@]}" --store "$work/store" import "$work/bundle.kluis")")
# The same files for the reference tools: the documents and the records.
"${intake[@]}" --store "$work/store" list --json | sed -n 's/.*"id": "\([^"]*\)",$/\1/p' | head -1 >"$work/id"
"${intake[@]}" --store "$work/store" export "$(cat "$work/id")" -o "$work/export" >/dev/null
cp "$work/export/records.json" "$work/docs/"
recipient=$(sed -n 's/.*"x25519":"\(age1[a-z0-9]*\)".*/\1/p' "$work/org/organisation.card")
age-keygen -o "$work/ref-key.txt" 2>/dev/null
ref_recipient=$(age-keygen -y "$work/ref-key.txt")
rows+=("$(measure "tar c \\| age -r" sh -c 'tar c -C "$1" . | age -r "$2" >"$3"' _ "$work/docs" "$ref_recipient" "$work/ref.age")")
mkdir -p "$work/untar"
rows+=("$(measure "age -d \\| tar x" sh -c 'age -d -i "$1" "$2" | tar x -C "$3"' _ "$work/ref-key.txt" "$work/ref.age" "$work/untar")")

# The fixed cost: one record and a 1 KiB document, into a fresh store.
small=(env KLUISCTL_BE_MAIN=1 "$work/kluisctl.test" --vault "$work/small.kluis")
"${small[@]}" init --name Small >/dev/null
sid=$("${small[@]}" add income source=Klein amount=1 period=month)
head -c 1024 /dev/urandom >"$work/small.pdf"
"${small[@]}" doc add "$work/small.pdf" --record "$sid" >/dev/null
rows+=("$(measure "kluisctl share create (1 KiB)" "${small[@]}" share create --to "$work/org/organisation.card" \
	--scope income --purpose Bench -o "$work/small.bundle")")
rows+=("$(measure "kluis-intake import (1 KiB)" "${intake[@]}" --store "$work/small-store" import "$work/small.bundle")")
rows+=("$(measure "kluisctl doc list (process + unlock only)" "${small[@]}" doc list)")
rows+=("$(measure "kluis-intake list (process + key only)" "${intake[@]}" --store "$work/small-store" list)")

echo
echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB; $(go version | cut -d' ' -f3); age $(age --version)"
echo "Data: $nrec records and $doc_mib MiB of random documents (5 files); bundle $(du -m "$work/bundle.kluis" | cut -f1) MiB; on $(df -h "$work" | awk 'NR==2 {print $1}')"
echo
echo "| command | wall (s) | peak RssAnon (MiB) |"
echo "|---|---|---|"
for r in "${rows[@]}"; do
	IFS=";" read -r name secs peak <<<"$r"
	printf '| %s | %.3f | %s |\n' "$name" "$secs" "$peak"
done
