// Package share is the citizen's side of sharing: what a share bundle
// would hold, making one and remembering it, the list of shares made with
// their state, revoking one and keeping the organisation's receipt. The
// desktop app and kluisctl both call it, so a share made either way is the
// same share.
//
// # Making a share
//
//	scope := share.Scope{Categories: []string{"income", "debts"},
//		ExcludedFields: []string{"income.iban"}}
//	p, err := share.PreviewOf(ctx, v, scope)     // exactly what would leave
//	res, err := share.Create(ctx, v, share.Request{
//		Scope: scope, To: card, NotAfter: time.Now().AddDate(0, 0, 14),
//		Purpose: "Aanvraag schuldhulp",
//	}, f, nil)                                     // the bundle goes to f
//
// Create writes the bundle and then records the share in the vault (a
// vault object of kind ObjectShare) with its activity-log entry, in one
// transaction. Nothing leaves unlogged: when Create fails, the share is not
// recorded and what was written must be thrown away. A caller that writes
// to a file should flush and sync it in Request.Flush, which runs after the
// bundle is complete and before the share is recorded.
//
// A data request is answered with the same Create: set Request.RequestID
// to the request's id and build Scope from what the request asks, minus
// what the citizen deselected.
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
