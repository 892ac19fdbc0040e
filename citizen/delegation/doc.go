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
// from a pack. An owner merges a helper's records only while the
// certificate is valid, not revoked, of role manage, and only in its
// categories (vault.MergeOptions.Allow); what is refused is logged and
// reported back in the next pack. A revoked helper gets the revocation and
// nothing more.
//
// Delegation here is a technical permission inside Kluis, not a legal
// mandate (DigiD Machtigen, bewind, mentorschap): the software says who
// acted, people decide whether that was allowed.
//
// This package never imports a GUI package and never prints.
package delegation
