// Package boltfile is what Kluis's two bbolt files share: the citizen's
// vault (package vault) and the municipality's intake store (package
// intake). Both keep every value sealed under a data key, both must refuse
// a damaged file before bbolt trusts it, and both must turn a fault inside
// bbolt into "damaged" instead of a crash:
//
//   - Sealer seals and opens values with XChaCha20-Poly1305, bound to
//     their bucket and key under a domain of the store's own.
//   - Check reads a file's meta pages, free-page list and whole B+tree with
//     plain reads, against a Layout of the lengths each bucket allows, before
//     bbolt maps it; Open does that and then opens the file under Guard.
//   - Marks remember a file as it was last closed; OpenMarked opens a file
//     that is still exactly so with the walk of its Large buckets left to
//     the caller's first write.
//   - Guard runs a call into bbolt with SetPanicOnFault and a recover.
//   - Mapping advises the system on a read transaction's mapping, so that
//     streaming a large value neither waits on the disk page by page nor
//     keeps every page it touched resident.
//
// Damage is reported as *DamageError, which each store turns into its own
// error. The package knows nothing of records, documents or imports, and
// must never import another Kluis package.
package boltfile
