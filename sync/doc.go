// Package sync is the parent of everything in Kluis that crosses a machine
// boundary: share bundles, organisation cards, data requests, receipts,
// revocations, delegation certificates and sync packs with their merge.
//
// The parent package holds no code, only this overview, because its name
// shadows the standard library's sync. Work lives in focused sub-packages
// (sync/bundle, sync/intake, sync/replica, …) as they are built.
//
// Nothing under sync/ may import Fyne or any other GUI package; the
// dependency test at the repository root enforces that. Only vault/ touches
// the bbolt store.
package sync
