// Package post is the citizen's side of the direct route to an
// organisation's desk, for organisations whose card names an inbox
// (bundle.Card.Inbox): delivering a share or answer and keeping the
// receipt that comes back (Deliver), sending a revocation (SendRevocation),
// writing to the organisation about a case (SendMessage, RefuseRequest),
// and picking up what waits (Fetch): messages, kept in their case's
// thread, and the organisation's signed account of who did what with each
// share (Access).
//
// Every call takes a context and may be run from a goroutine: it blocks
// only on the network and the vault, and ends when the context does. The
// formats and the HTTPS client are package sync/post; this package puts
// them together with the vault, the shares (citizen/share) and the threads
// (citizen/cases).
//
// Nothing is lost when the desk cannot be reached: a share's bundle stays
// in its file, a message is kept in its thread and handed back as a file,
// and the error is a *KeptError (errors.As), which says so plainly — send
// the file another way, or try again later.
//
// What comes from a desk is checked whole before anything is kept: a
// message must be signed by the organisation of the card it was picked up
// with and addressed to this vault's keys, or it is counted as refused and
// dropped; an access statement must be signed by that card, be about a
// share of this vault made for that card, and repeat every entry of the
// statement kept before (else the chain is marked broken and the kept one
// stays). A message seen before (the desk hands messages out again for 30
// days) is recognised by its id and skipped.
//
// Every change is stored in one vault transaction with its activity-log
// entry, which names who, what and when — never a value or a message's
// text. This package never imports a GUI toolkit and never prints.
package post
