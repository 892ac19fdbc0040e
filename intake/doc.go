// Package intake is the municipality's side of Kluis — its own wing,
// beside the citizen's vault: an encrypted store of imported share bundles,
// with import, list, export for the case system, receipts, revocation and
// purge, the data requests the organisation made, the wijkonderzoek's
// tallies (whose counting and reports are package intake/tally), and what
// the caseworkers' desk (kluis-intake serve) keeps: its accounts, its
// processing log and its TLS certificate. The CLI kluis-intake and the
// desk (package intake/desk) are layers over it.
//
// It stands on the format packages under sync/ and the shared parts under
// internal/ only; it never imports the citizen's vault or use cases
// (internal/deptest enforces it). Its bbolt file is opened like the vault's
// (package internal/boltfile): checked for damage before bbolt maps it,
// every value sealed and bound to its place.
//
//	id, _ := bundle.ParseOrgIdentity(keyFile, passphrase)
//	s, err := intake.Open(dir, id, nil)           // ErrInUse if another process has it
//	imp, again, err := s.Import(ctx, f, intake.ImportOptions{})
//	id, err := s.Resolve("7c1e9a04")             // the one import whose id starts so
//	err = s.ExportContext(ctx, id, "zaak-2026-0042")
//	plan, err := s.PurgePlan()                    // what Purge would do; changes nothing
//	purged, err := s.Purge()                      // run daily
//
// Accounts (users.go) have a name, a role (RoleCaseworker or RoleAdmin)
// and an Argon2id password hash (password.go); CheckPassword answers
// ErrBadLogin alike for an unknown name and a wrong password, at the same
// cost. The processing log (log.go) is append-only and hash-chained:
// Import, Revoke, Delete and Purge write their own entries in the same
// transaction as the change; callers write views, downloads, exports,
// receipts, logins and account changes with Log; VerifyLog checks it all.
//
//	err = s.AddUser("jan", intake.RoleAdmin, password)
//	u, err := s.CheckPassword("jan", password)    // ErrBadLogin
//	_, err = s.Log(intake.LogEntry{User: u.Name, Action: intake.ActView, Import: id, Purpose: purpose})
//	n, err := s.VerifyLog()                        // *LogError at the first bad entry
//	cert, fingerprint, err := s.ServerCertificate([]string{"balie.gemeente.nl"})
//
// Data requests the organisation makes (package request) are kept with
// SaveRequest. A bundle whose manifest names a request id is an answer: it
// is imported only when this store made that request, the answer stays
// within what was asked (request.Request.CheckAnswer), and no other
// bundle answered it before; the same answer again is a replay and
// changes nothing.
//
// Wijkonderzoek donations (package index) are folded into one sealed tally
// per index (ImportDonation, IndexReport). Fourteen days after the index's
// period ends the tally is closed: the per-pseudonym answer sets, kept
// only so a second donation can replace the first, are dropped for good
// and the file is compacted, leaving the counts. Purge, an import or a
// report closes a tally that is due.
//
// Import trusts nothing it has not checked: bundle.Open verifies the whole
// bundle while its documents stream into a temporary area (encrypted), and
// only when the last byte has been authenticated is the import stored, in
// one bbolt transaction. A refused bundle leaves the store as it was. The
// same holds for a replay: a copy of an imported bundle is answered
// "already imported" only once it, too, has been authenticated to its
// end, so a truncated or altered copy is refused as damaged.
//
// The store is encrypted at rest: the bbolt file holds only sealed values
// under a data key that is itself encrypted to the organisation's key, and
// each document is a separate age file whose key lives only in the sealed
// import. Purge and Revoke delete imports, overwrite their document files,
// and compact the bbolt file into a new one (bbolt.Compact) that replaces
// the old, which is overwritten too, so the removed data does not linger in
// free pages. No software can make a person forget what they read, and
// flash storage and copy-on-write file systems may keep old blocks: what
// Kluis guarantees is that nothing readable remains in the store.
//
// This is the only package besides vault that uses bbolt (its own file,
// never the vault's), and it never imports a GUI toolkit.
package intake
