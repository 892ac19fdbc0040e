// Package index is the wijkonderzoek ("neighbourhood index") of Kluis: an
// organisation publishes a signed index definition — a title, a purpose, a
// period, neighbourhoods (wijken) by postcode range and a few questions with
// fixed, coarse answers — and citizens donate their answers anonymously.
//
// A donation is an age file encrypted to the organisation's card. It holds
// the answers the donor chose to give, the donor's wijk, the index id and
// period, and a per-period pseudonym. It is deliberately NOT signed with the
// donor's identity key: a signature would identify the donor. The pseudonym
// is an HMAC under a secret the donor's vault derives from its own signing
// key (see Pseudonym), so the same vault gets the same pseudonym within one
// index and period (a second donation replaces the first) and unrelated
// pseudonyms across periods and indexes; nobody without the vault's key can
// link a pseudonym to a person.
//
// The organisation folds donations into counts per wijk, question and
// answer and publishes a report with small cells suppressed: that is the
// municipality's side, package intake/tally (kept in the intake store by
// package intake). The donor's draft, worked out from their vault, is
// package citizen/donate.
//
// This package is a format: it never imports the vault, a use case or
// Fyne, and never stores anything itself. The format is specified in
// docs/FORMAT.md §10.
package index
