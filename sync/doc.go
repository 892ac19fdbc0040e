// Package sync is the parent of everything in Kluis that crosses a machine
// boundary: share bundles, organisation cards, data requests, receipts,
// revocations, delegation certificates and sync packs with their merge.
//
// The parent package holds no code, only this overview, because its name
// shadows the standard library's sync. Work lives in focused sub-packages:
//
//   - sync/bundle: the share bundle format and the signed files around it
//     (organisation cards and identities, share codes, receipts,
//     revocation notices, kluis: links). docs/FORMAT.md specifies them.
//   - sync/intake: the municipality's encrypted intake store behind
//     kluis-intake: import, export, receipts, revocation, purge.
//   - sync/share: the citizen's side of sharing: what leaves, making and
//     recording a share, revoking it, importing receipts.
//   - sync/request: organisation-signed data requests, answers bound to
//     them, and the case threads the citizen sees.
//   - sync/index: signed index definitions, anonymous indicator donations
//     under a per-period pseudonym, tallies and reports with small cells
//     suppressed.
//   - sync/youth: the age rule for young people's own vaults (under 12
//     no, 12–15 only with a helper, from 16 alone), applied when sharing
//     and donating.
//   - sync/signed: the one two-line layout of the small signed files
//     (body as compact JSON, then the domain-separated Ed25519 signature).
//   - sync/delegate: contact codes, delegation certificates and
//     revocations, and the signed, encrypted sync packs between an owner
//     and a delegate.
//
// Nothing under sync/ may import Fyne or any other GUI package; the
// dependency test in internal/deptest enforces that. Only vault/ touches
// the vault's bbolt file; sync/intake keeps its own, separate bbolt file.
package sync
