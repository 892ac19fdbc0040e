// Package post is the direct route between a citizen's Kluis and an
// organisation's desk (kluis-intake serve), for organisations whose card
// names an inbox (bundle.Card.Inbox): the formats that travel on it and
// the HTTPS client the citizen's side uses. docs/FORMAT.md §12 specifies
// them.
//
//   - A Message (kluis-message/v1) is a signed, end-to-end encrypted note
//     between a citizen and an organisation about one case. It is signed
//     by its sender, names both parties' keys and the case, and is
//     encrypted with age to the recipient only. The desk stores what a
//     caseworker writes for the citizen as that ciphertext.
//   - A Pickup (kluis-pickup/v1) is the citizen's signed request for what
//     waits for them: it names the desk's organisation and a fresh time
//     and nonce, so it cannot be replayed or used at another desk. The
//     desk answers a pickup that does not check out exactly as one for a
//     citizen with nothing waiting.
//   - An Access statement (kluis-access/v1) is the organisation's signed
//     account, per shared bundle, of who at the organisation did what with
//     it and when: its processing log's entries for that bundle, with
//     caseworkers named by role and a pseudonym. A later statement must
//     repeat every entry of an earlier one (Extends); one that does not is
//     a broken chain.
//
// The Client posts bundles, answers, revocation notices and messages to a
// desk and picks up messages and access statements. It trusts the desk's
// TLS certificate only when its public key has the card's pin; no
// certificate authority is asked, and no other host is contacted.
//
// This package never imports the vault or a GUI toolkit: the citizen's
// side (package citizen/post) and the desk both use it.
package post
