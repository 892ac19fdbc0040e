package vault

import "kluis/internal/boltfile"

// Before bbolt maps a vault file, boltfile.Open checks it with plain reads
// (boltfile.Check): its meta pages, its free-page list and its whole tree,
// with the key and value lengths each of the vault's buckets allows. bbolt
// trusts every length and page id it reads, so one flipped byte could
// otherwise make it allocate gigabytes or write past the end of the file.
// A file exactly as Kluis last closed it (boltfile.Marks) opens without
// the walk of the large buckets, which Vault.checkStructure does before
// the first write instead; docs/ARCHITECTURE.md argues why that holds.

// maxValueSize bounds every value Kluis keeps in the file. putSealed
// refuses anything larger and open treats it as damage, so no length read
// from the file can make Kluis allocate more than this.
const maxValueSize = boltfile.MaxValue

// layout is what the structure check before opening (boltfile.Check)
// allows in each bucket: the lengths of keys and values.
var layout = &boltfile.Layout{Buckets: map[string]boltfile.Rule{}, Other: boltfile.Rule{MinKey: 1, MaxKey: 1 << 15, MaxValue: maxValueSize}}

func init() {
	for _, r := range []struct {
		name                       string
		minKey, maxKey             int
		maxValue, plainValueLength int
		large                      bool // grows with the data: see boltfile.Rule
	}{
		{string(bucketMeta), 1, 64, 1 << 16, 0, false},
		{string(bucketRecords), 16, 16, maxValueSize, 0, true},
		{string(bucketVersions), 24, 24, maxValueSize, 0, true},
		{string(bucketDocs), 16, 16, 1 << 16, 0, false},
		{string(bucketChunks), 24, 24, ChunkSize + sealOverhead, 0, true},
		{string(bucketPending), 16, 16, sealOverhead, 0, false},
		{string(bucketAudit), 8, 8, 1 << 16, 0, true},
		{string(bucketFailed), 8, 8, 8, 8, false},
		{string(bucketObjects), 3, 1024, maxValueSize, 0, false},
	} {
		layout.Buckets[r.name] = boltfile.Rule{MinKey: r.minKey, MaxKey: r.maxKey, MaxValue: r.maxValue, FixedValue: r.plainValueLength, Large: r.large}
	}
}
