// Package cases is the citizen's side of a municipality's data requests: a
// request received is noted in the case's thread, answered with a share
// bundle bound to it (Respond, within what it asks: Limit) or refused, and
// every step shows in the thread of the case (one per organisation and case
// reference), kept in the citizen's vault as vault objects.
//
// The request format itself is package sync/request; making the bundle is
// package citizen/share. This package never imports a GUI toolkit and never
// prints.
package cases
