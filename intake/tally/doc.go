// Package tally is the municipality's half of the wijkonderzoek: it folds
// donations (package sync/index) into counts per wijk, question and answer
// (Tally) and makes a Report in which every cell smaller than the minimum
// group size is suppressed, together with enough other cells that no
// suppressed cell can be found by subtraction, with a PNG chart of it. A
// tally is closed CloseGrace after its period ends (ClosesAt): what it kept
// per pseudonym is dropped, the counts stay, and later donations are
// refused.
//
// Package intake keeps tallies in its store. This package does no I/O and
// never imports the citizen's vault.
package tally
