// Package delegation is the citizen's side of delegation, on the vault:
// pinning contact codes, granting and revoking access (GrantTo, Revoke),
// the helper's managed copies of someone else's vault (Managed,
// OpenReplica), emergency requests and answers, and the sync run (Syncer)
// that writes outgoing packs and merges incoming ones for a vault and, on
// the helper's side, for the replicas it manages.
//
// The signed formats it exchanges — contact codes, certificates,
// revocations, emergency statements and packs — are package sync/delegate.
//
// # Rules it enforces
//
// Keys are pinned from a contact code compared by fingerprint, never taken
// from a pack. An owner may give one helper several grants; the helper's
// access is the union of those open now (Access), each with its own role
// and categories, each revoked on its own. An owner merges a helper's
// records only in the categories of an open manage grant
// (vault.MergeOptions.Allow); what is refused is logged and reported back
// in the next pack, and the helper's copy sets it back (vault.RollBack).
// The helper's copy refuses such changes at once (OpenReplica installs a
// vault.EditGuard). When a category comes into the helper's scope, the
// next pack carries all of it. A helper whose every grant is revoked gets
// the revocations and nothing more. Shares made on the owner's behalf
// travel back to her list (Pack.Shares).
//
// Delegation here is a technical permission inside Kluis, not a legal
// mandate (DigiD Machtigen, bewind, mentorschap): the software says who
// acted, people decide whether that was allowed.
//
// This package never imports a GUI package and never prints.
package delegation
