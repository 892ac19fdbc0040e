// Package desk is the caseworker's desk: the web application that one
// municipality runs on one server for all its caseworkers, over the
// municipality's intake store (package intake). kluis-intake serve starts
// it.
//
// It is server-rendered HTML (net/http and html/template); its templates,
// style sheet and images are embedded, and no page needs JavaScript. The
// pages speak Dutch (B1) unless a caseworker switches to English; every
// text comes from the house catalogues (package internal/i18n, keys
// "desk.…"), and every refusal is said by i18n's Catalog.Error, in the
// same words as the command line.
//
//	srv, err := desk.New(store, org, desk.Options{})
//	https := &http.Server{Handler: srv, TLSConfig: …}
//	go srv.RunPurge(ctx, time.Hour) // what is due goes, at start and hourly
//
// What it guards:
//
//   - Accounts are the store's (intake.Store.CheckPassword). A session is
//     a random token in a cookie (__Host-, HttpOnly, Secure,
//     SameSite=Strict), kept only in memory, ended after 30 minutes idle,
//     at logout, and at once when its user is removed or gets another
//     password or role (the user's Generation changes).
//   - Every form carries the session's CSRF token (the login form a token
//     of its own, bound to a cookie); a POST without the right one is
//     refused with 403 and changes nothing.
//   - After five wrong passwords for an account the next try must wait,
//     twice as long each time (at most 15 minutes).
//   - Every response carries a Content-Security-Policy without inline
//     script, frame-ancestors 'none', Referrer-Policy no-referrer, and
//     Cache-Control no-store: pages hold personal data.
//   - Uploads stream: a bundle goes from the request body straight into
//     intake.Store.Import, which verifies all of it while its documents
//     wait encrypted in the store's tmp folder; a body over the limit is
//     cut off while streaming and nothing of it stays.
//   - Citizen-provided text (names, purposes, values, messages, file
//     names) is only ever template data, so it is escaped as text; file
//     names in Content-Disposition are encoded (RFC 6266), and documents
//     are served as attachments unless they are a PDF or an image, which
//     can be viewed in the browser under a sandboxing policy.
//
// Every view of a case, document download, export, receipt, revocation and
// deletion is written to the store's processing log (intake.Store.Log)
// with the caseworker's name and the case's purpose, as is every data
// request and neighbourhood index a caseworker makes.
//
// A data request is composed on a form and refused, with nothing kept, when
// it asks more than the organisation card registers for its purpose (the
// over-asking rule the citizen's app checks too). An index definition is
// read from its form by index.Form, the same reading as kluis-intake index
// define, and its report hides small counts (package intake/tally) on the
// page, in the chart and in the CSV and JSON downloads alike.
//
// The package stands on intake and the format packages; like the rest of
// the municipality's wing it never imports the citizen's vault.
package desk
