// Package delegate holds the formats that let a trusted relative help with
// a citizen's vault: contact codes, delegation certificates and their
// revocation, emergency statements, and sync packs that carry record
// changes and documents both ways through any folder. The use cases on the
// vault — granting, pinning contacts, the replicas a helper manages and the
// sync run that writes and merges packs — are package citizen/delegation.
//
// # The pieces
//
//   - A Contact is a vault's public identity (a name, an age X25519
//     recipient, an Ed25519 key), self-signed, passed on as a text code
//     ("kluis:contact/v1/…") or a QR code. ReadAloud turns its fingerprint
//     into digits to compare by phone before trusting it.
//   - A Certificate is the owner's signed grant: the delegate's pinned keys,
//     role (view or manage), categories, validity and an optional emergency
//     wait. A Revocation ends it. Emergency requests and answers are signed
//     statements too; Certificate.Open says whether access is open at a
//     moment.
//   - A pack is one immutable file in the sync folder, age-encrypted to the
//     counterpart and signed by the sender: record versions since the last
//     point the counterpart acknowledged, acknowledgements, the certificate
//     and revocations, and reports of what was refused.
//   - A pack's documents follow its signed statement as an archive
//     (WriteDocuments, DocStream), each checked against the size and
//     SHA-256 the statement lists.
//
// # Rules it enforces
//
// Every grant, revocation and pack is signed (domain-separated Ed25519);
// keys are pinned from a contact code compared by fingerprint, never taken
// from a pack. An owner merges a delegate's records only while the
// certificate is valid, not revoked, of role manage, and only in its
// categories; what is refused is logged and reported back in the next pack.
// A revoked delegate gets the revocation and nothing more.
//
// Delegation here is a technical permission inside Kluis, not a legal
// mandate (DigiD Machtigen, bewind, mentorschap): the software says who
// acted, people decide whether that was allowed.
//
// This package is a format: it never imports the vault, a use case or a
// GUI package, and never prints.
package delegate
