// Package cases is the citizen's side of data requests: receiving a
// request into its case thread (Receive), answering it with a share
// (Prepare, then Respond) or refusing it (Refuse), and the threads that
// keep a case's requests and answers in order (Threads, GetThread,
// Timeline).
//
// An answer follows the draft rule of package citizen/share: a screen shows
// the same object it commits. Prepare collects what the request asks from
// the vault once, as a share.Draft with the request's terms; the screen
// shows its Preview, cuts out what the citizen unticks with Draft.Narrow,
// and Respond signs that draft, never a new reading of the vault:
//
//	d, err := cases.Prepare(ctx, v, o, share.Scope{Categories: o.Request.Categories()})
//	p := d.Preview()                               // show it; untick
//	d, err = d.Narrow(chosen)                      // reads nothing
//	res, err := cases.Respond(ctx, v, o, cases.Answer{Draft: d}, f, nil)
//
// Respond refuses an expired request, one refused before, and a draft
// holding more than the request asks (ErrOutsideRequest); then nothing is
// written or recorded.
//
// The threads are kept in the citizen's vault as vault objects. The request
// format itself is package sync/request. This package never imports a GUI
// toolkit and never prints.
package cases
