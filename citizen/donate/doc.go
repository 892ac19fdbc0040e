// Package donate is the donor's side of the wijkonderzoek: a Draft of what
// a donation would hold, worked out from the donor's vault so they only
// have to check it — the wijk from their address's postcode, and answers
// prefilled where a question has a hint (an open debt, their age band).
// They see exactly the draft before anything leaves — answers and a wijk,
// never a name, BSN, address or document — may change or skip any answer,
// and the donation made is the draft they saw.
//
// The definition and donation formats are package sync/index; the youth
// rule is package citizen/youth. This package never imports a GUI toolkit.
package donate
