// Package share is the citizen's side of sharing: what a share bundle
// would hold, making one and remembering it, the list of shares made with
// their state, revoking one and keeping the organisation's receipt. The
// desktop app and kluisctl both call it, so a share made either way is the
// same share.
//
// # Making a share
//
// A share is made from a Draft, in two steps with the citizen in between:
//
//	d, err := share.NewDraft(ctx, v, share.Scope{
//		Categories: []string{"income", "debts"}, ExcludedFields: []string{"income.iban"},
//	})                                             // collected from the vault, once
//	p := d.Preview()                               // exactly what would leave: show it
//	d.Request = share.Request{To: card, NotAfter: time.Now().AddDate(0, 0, 14),
//		Purpose: "Aanvraag schuldhulp"}
//	res, err := d.Sign(ctx, f, nil)                // the bundle goes to f
//
// The draft rule: a screen shows the same object it commits. Preview is
// made from the draft and Sign signs that draft, byte for byte: its records
// as collected, never read again, so a change to the vault in between (a
// sync from a helper, the CLI) cannot change what the citizen signs.
// Documents are streamed from the vault while the bundle is written, and
// each must still have the size and SHA-256 the draft collected, or Sign
// fails (ErrDocumentChanged). What the citizen unticks in a preview is cut
// from the draft with Narrow, which reads nothing from the vault. To show a
// change to the vault, make a new draft and show that one.
//
// Sign writes the bundle and then records the share in the vault (a vault
// object of kind ObjectShare) with its activity-log entry, in one
// transaction. Nothing leaves unlogged: when Sign fails, the share is not
// recorded and what was written must be thrown away. A caller that writes
// to a file should flush and sync it in Request.Flush, which runs after the
// bundle is complete and before the share is recorded. A draft signs once.
//
// A data request is answered with a draft too: package citizen/cases
// prepares it from what the request asks (cases.Prepare) and signs it with
// the request's id, case reference and purpose (cases.Respond).
//
// # Afterwards
//
// List returns every share with its state (Status: active, expired or
// revoked) and the receipts received. Revoke signs a revocation notice
// for the organisation and marks the share revoked; cryptography cannot
// make an organisation forget what it has already read, so the notice is
// an instruction that it has agreed to follow. ImportReceipt checks an
// organisation's receipt and keeps it with its share.
//
// The vault keeps no field values about a share: only what was shared (ids
// of records and documents, categories, left-out fields), with whom, for
// what and until when.
//
// This package never imports a GUI toolkit and never prints: errors are
// the vault's and bundle's own, or the sentinels below, for the caller to
// put into words.
package share
