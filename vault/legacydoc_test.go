package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// addLegacyDocument stores content as Kluis did before layout 5: sealed
// chunks in the chunks bucket of the vault file (key document id ‖ chunk
// index, the bucket and key as associated data) and metadata without
// Storage. It stands in for a document in a vault made by an earlier
// version, so that the code that still reads, deletes and backs up such
// documents stays tested.
func addLegacyDocument(t testing.TB, v *Vault, name string, content []byte) Document {
	t.Helper()
	idb, id := newID()
	sum := sha256.Sum256(content)
	doc := Document{ID: id, Name: name, MediaType: mediaTypeOf(name), Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
	err := v.update(func(t *txn) error {
		for off := 0; off < len(content); off += ChunkSize {
			if err := t.putSealed(bucketChunks, chunkKey(idb, doc.Chunks), content[off:min(off+ChunkSize, len(content))]); err != nil {
				return err
			}
			doc.Chunks++
		}
		now := t.clock.Now()
		doc.Added, doc.Modified, doc.Author = now, now, t.author
		if err := t.putDoc(doc); err != nil {
			return err
		}
		return t.log(Event{Action: ActionDocumentAdded, Subject: id, Detail: doc.MediaType})
	})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
