// Package bundle reads and writes Kluis's share bundles and the small
// signed files around them: organisation cards, revocation notices,
// receipts, share codes and kluis: links. docs/FORMAT.md is the byte-level
// specification; this package is its reference implementation, and the
// vectors in testdata/ are what any other reader should agree with.
//
// # Making a bundle (the citizen)
//
//	card, err := bundle.ParseCard(cardFile)            // the organisation's public card
//	m, err := bundle.Write(f, &bundle.Share{
//		To: card, NotAfter: time.Now().AddDate(0, 0, 14), Purpose: "Schuldhulp",
//		Issuer: share.Issuer("Fatima", keys),
//		Scope: scope, Records: recs, Documents: docs,
//	}, v)                                              // v (*vault.Vault) signs the manifest
//
// A bundle is a standard age file addressed to the card's X25519 key, or
// protected with a share code (NewShareCode), which must then be its only
// recipient. Inside is a tar archive of regular files in a fixed order:
// manifest.json, manifest.sig, records.json, documents/<id>/<name>….
// Write streams: documents go from the vault to the age writer chunk by
// chunk, so memory stays bounded whatever their size.
//
// # Opening a bundle (the organisation)
//
//	r, err := bundle.Open(f, bundle.Options{Org: id, Now: clock})
//	for {
//		doc, entry, err := r.Next()                   // io.EOF: all of it checked
//		...                                           // copy r into a temporary file
//	}
//
// Open refuses with an *Error (its Code says why) anything not addressed
// to the organisation, damaged, unsigned, signed for someone else, outside
// its validity window (DefaultSkew either side), or whose entries do not
// match the signed manifest one for one. age authenticates chunk by chunk:
// nothing read may be stored or shown as trusted before Next returns
// io.EOF, which it does only once the whole file, to its last byte, has
// been authenticated. Cap the input (Limits) before it is decrypted.
//
// Authenticity comes from the Ed25519 signature over the manifest, not
// from age (anyone with a card can encrypt to it). The signature names the
// recipient, so a bundle cannot be re-sent as if it were made for another
// organisation. It does not prove who the issuer is in the world: the case
// reference and the organisation's own checks do that.
//
// This package never stores anything and never imports a GUI toolkit.
package bundle
