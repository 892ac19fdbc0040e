// Package vault is the citizen's encrypted local store: keys, records with
// their history and recycle bin, documents, the activity log, backups and
// export. It is the only package that touches the bbolt file, and it never
// imports a GUI package: the desktop app, the CLI and sync all build on it.
//
// # Using it
//
//	v, recoveryKey, err := vault.Create(path, passphrase, "Fatima", nil) // show recoveryKey once
//	v, err := vault.Open(path, nil)   // ErrInUse if another program has it open
//	err = v.Unlock(passphrase)        // ErrWrongPassphrase; one scrypt run
//	rec, err := v.Add("income", map[string]string{"source": "Gemeente", "amount": "1234,56"})
//	v.Lock()                          // wipes the keys; v.Close() also releases the file
//
// Every method that changes something runs in one bbolt transaction
// together with its activity-log entry: it happens completely or not at
// all. Values returned are copies and stay valid after the call.
//
// # Keys
//
// A passphrase (age scrypt, work factor 2^18, never accepted lower) opens
// the owner identity: an age X25519 key and an Ed25519 signing key. A random
// 32-byte data key is wrapped with age to the owner identity and to the
// recovery key, which is shown once at creation. Changing the passphrase
// re-encrypts only the identity; recovery opens it with the recovery key.
//
// # Layout of the file
//
//	meta/       format (plaintext layout version and its complement), identity, identity-recovery,
//	            datakey (age files), recovery-public, device, clock, audit-head (sealed)
//	records/    record id (16 bytes) → sealed current version
//	versions/   record id ‖ version (8 bytes) → sealed earlier version
//	docs/       document id → sealed metadata
//	chunks/     document id ‖ chunk index (8 bytes) → sealed 256 KiB chunk (documents
//	            added before layout 5; newer ones are in document files, below)
//	pending/    document id → marker of an upload not yet finished, or of content
//	            deleted for good and not yet removed
//	audit/      sequence (8 bytes) → sealed log entry (hash-chained; compact binary,
//	            JSON in vaults from before 2026-12-06: docs/FORMAT.md §13)
//	failed/     sequence → time of a failed unlock, logged at the next unlock
//	objects/    kind ‖ 0x00 ‖ id → sealed value kept for other packages (shares, receipts, …)
//
// Beside the file, in the folder "VAULT.docs" (DocsFolder, mode 0700), each
// document added since layout 5 has a document file of its own, named by
// its id: a 32-byte header, then its 256 KiB chunks sealed as values are,
// bound to the document id and chunk index (docfile.go). It is written once,
// synced with its folder before the metadata that refers to it commits, and
// removed only after the commit that drops that reference. Copy the folder
// with the file; Backup carries both.
//
// Every value except the age files and the format marker is sealed with
// XChaCha20-Poly1305 under the data key, with the bucket and key as
// associated data, so values cannot be read, altered, swapped or moved.
// Bucket names and ids reveal no category, person or content. Ids are
// random UUIDs (version 4).
//
// # Faults
//
// Open waits Options.Timeout for the file lock and then returns ErrInUse. A
// corrupt, truncated or altered file returns ErrDamaged (a *DamagedError
// saying what), never a panic: before bbolt opens the file its meta pages,
// free-page list and whole tree are checked with plain reads, and opening
// writes nothing unless a migration is due. A full disk returns ErrDiskFull and leaves
// the file as it was before the action. The layout version is kept in the
// file and upgraded by an ordered table of migrations when opened.
package vault
