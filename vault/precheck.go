package vault

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"sync"
)

// bbolt maps the whole file into memory and trusts its two meta pages. A
// file cut short, or with a meta page pointing past its end, makes bbolt
// panic inside Open while it holds the file lock through its mapping — a
// lock that then cannot be released for the rest of the process. So the
// meta pages are checked here, with plain reads, before bbolt sees the
// file. The layout is bbolt's (version 2), little-endian on the machines
// Kluis runs on:
//
//	page header (16 bytes) ‖ magic u32 ‖ version u32 ‖ page size u32 ‖ flags u32 ‖
//	root u64 ‖ sequence u64 ‖ freelist u64 ‖ high-water page id u64 ‖ txid u64 ‖ checksum u64
//
// where checksum is FNV-1a 64 over the meta fields before it.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltPageHeader = 16
	boltMetaSize   = 64
	noFreelist     = ^uint64(0)
)

type boltMeta struct {
	pageSize            uint32
	root, freelist, hwm uint64
	txid                uint64
}

func parseBoltMeta(b []byte) (boltMeta, bool) {
	if len(b) < boltPageHeader+boltMetaSize {
		return boltMeta{}, false
	}
	m := b[boltPageHeader : boltPageHeader+boltMetaSize]
	le := binary.LittleEndian
	h := fnv.New64a()
	h.Write(m[:56])
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion || le.Uint64(m[56:]) != h.Sum64() {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		hwm: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// precheckFile refuses a file whose meta pages are both invalid or point
// past the end of the file.
func precheckFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	first := make([]byte, boltPageHeader+boltMetaSize)
	if _, err := io.ReadFull(f, first); err != nil {
		return damaged("the file is too short to be a vault", nil)
	}
	m0, ok0 := parseBoltMeta(first)
	pageSize := int64(os.Getpagesize())
	if ok0 && m0.pageSize >= 1024 && m0.pageSize <= 1<<16 {
		pageSize = int64(m0.pageSize)
	}
	second := make([]byte, boltPageHeader+boltMetaSize)
	_, err = f.ReadAt(second, pageSize)
	m1, ok1 := parseBoltMeta(second)
	if err != nil {
		ok1 = false
	}
	var valid []boltMeta
	for _, m := range []struct {
		meta boltMeta
		ok   bool
	}{{m0, ok0}, {m1, ok1}} {
		if m.ok && int64(m.meta.pageSize) == pageSize {
			valid = append(valid, m.meta)
		}
	}
	if len(valid) == 0 {
		return damaged("file header", fmt.Errorf("no valid meta page"))
	}
	best := valid[0]
	if len(valid) == 2 && valid[1].txid > best.txid {
		best = valid[1]
	}
	need := int64(best.hwm) * pageSize
	switch {
	case best.hwm < 4 || best.hwm > uint64(1<<62)/uint64(pageSize):
		return damaged("file header", fmt.Errorf("impossible page count %d", best.hwm))
	case size < need:
		return damaged(fmt.Sprintf("the file is cut short (%d of %d bytes)", size, need), nil)
	case best.root >= best.hwm || (best.freelist != noFreelist && best.freelist >= best.hwm):
		return damaged("file header", fmt.Errorf("meta page points past the end"))
	}
	return nil
}

// poisoned remembers files (by device and inode) on which bbolt panicked
// inside Open. Such a file stays locked by this process, so opening it again
// would time out; it is reported as damaged instead of "open elsewhere".
var poisoned sync.Map

func fileKey(path string) (any, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false
	}
	return statKey(fi)
}
