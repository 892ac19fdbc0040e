// Package request reads and writes Kluis's data requests: an
// organisation's signed question "may we have these parts of your data,
// for this purpose, until then", which a citizen answers with a share
// bundle bound to the request — or refuses. docs/FORMAT.md (§5a) is the
// byte-level specification; testdata/vectors are what any other reader
// should agree with.
//
// # Asking (the organisation)
//
//	file, err := request.New(orgIdentity, request.Fields{
//		Purpose: "Schuldhulp", CaseReference: "Z-2026-0042",
//		Scope:    []request.Item{{Category: "income"}, {Category: "costs", Fields: []string{"amount", "kind"}}},
//		AnswerBy: time.Now().AddDate(0, 0, 14), KeepUntil: time.Now().AddDate(0, 6, 0),
//	}, time.Now())
//	text := request.Armor(file)       // for e-mail
//	link := request.Link(file)        // kluis:request/v1/…, also as a QR code (QR)
//
// # Reading (the citizen)
//
//	o, err := request.Open(input, knownCards)  // a file, armored text or a link
//	o.Trust                                    // Known, Unknown or Impostor
//	o.OverAsking()                             // what it asks beyond the card's registered purpose
//	o.Request.Expired(time.Now())              // then it cannot be answered
//	scope := o.Request.BundleScope()           // what an answer may hold at most
//
// Open refuses with an *Error (its Code says why) a request that is not
// well formed, unsigned, or whose signature does not verify with the
// organisation card it carries (altered or forged), and one that asks for
// categories or fields this version does not know. A request that passes
// is signed by whoever holds the card's key; whether that is the
// organisation it names is what Trust says: only a card the citizen loaded
// before (Known) proves it.
//
// CheckAnswer is the organisation's side at import: an answer may hold
// less than was asked, never more.
//
// Answering a request from the vault, refusing it and the case threads the
// citizen sees are use cases on the vault: package citizen/cases.
//
// This package is a format: it never imports the vault, a use case or a
// GUI toolkit, and never prints.
package request
