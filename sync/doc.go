// Package sync is the parent of Kluis's wire formats: everything that
// crosses a machine boundary, defined once for both products — the
// citizen's (vault, citizen/…, the app and kluisctl) and the municipality's
// (intake/…, kluis-intake). docs/FORMAT.md specifies each of them.
//
// The parent package holds no code, only this overview, because its name
// shadows the standard library's sync. The formats live in focused
// sub-packages:
//
//   - sync/bundle: share bundles and the signed files around them
//     (organisation cards and identities, share codes, receipts,
//     revocation notices, kluis: links).
//   - sync/request: organisation-signed data requests and the over-asking
//     check against a card's registered purposes.
//   - sync/index: signed index definitions and anonymous donations under a
//     per-period pseudonym (sync/index/indextest makes test material).
//   - sync/delegate: contact codes, delegation certificates, revocations,
//     emergency statements, and the signed, encrypted sync packs between
//     replicas of one vault.
//   - sync/signed: the one two-line layout of the small signed files (body
//     as compact JSON, then the domain-separated Ed25519 signature of
//     package internal/sign).
//   - sync/schema: categories, fields and the validation of values: the
//     records every format carries.
//   - sync/replica and sync/hlc: a record version with its hybrid logical
//     clock stamps, as replicas exchange it and the vault stores it.
//
// A format package reads and writes bytes; it never opens a vault or an
// intake store, never imports package vault, a product's use cases or a
// GUI, and so both products can link it. The use cases on top live in
// citizen/… (on the vault) and intake/… (on the intake store). The
// dependency test in internal/deptest enforces this.
package sync
