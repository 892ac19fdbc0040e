package boltfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt maps the whole file into memory and trusts its two meta pages. A
// file cut short, or with a meta page pointing past its end, makes bbolt
// panic inside Open while it holds the file lock through its mapping — a
// lock that then cannot be released for the rest of the process. And bbolt
// writes into whatever pages its free-page list names. So the meta pages
// and that list are checked here, with plain reads, before bbolt sees the
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

// A Rule is what the keys and values of one bucket may look like.
type Rule struct {
	MinKey, MaxKey int
	MaxValue       int // at most MaxValue
	FixedValue     int // > 0: every value has exactly this length (a plaintext value)
	// Large marks a bucket that grows with the data (records, their
	// history, the log, document chunks). Opening a file by its mark
	// (OpenMarked) leaves the walk of such a bucket's tree to the first
	// write; every other bucket is walked at every open.
	Large bool
}

// A Layout names the buckets a store keeps at the top level and the rule of
// each; a bucket it does not name follows Other. Buckets hold values only.
type Layout struct {
	Buckets map[string]Rule
	Other   Rule
}

// Check reads the file at path with plain reads and refuses it (with a
// *DamageError) unless its meta pages, its free-page list and its whole
// tree are sound and every bucket's keys and values follow layout. It reads
// page headers, element tables and keys, not values.
func Check(path string, layout *Layout) error { return check(path, layout, false) }

// checkTop is Check without the walk of the Large buckets' trees: the
// meta pages, the free-page list, the top level (the buckets' names and
// headers, inline buckets whole) and every other bucket — what bbolt reads
// and trusts when it opens the file and a transaction opens a bucket, and
// the small buckets whose keys and values a store reads without a Sealer.
func checkTop(path string, layout *Layout) error { return check(path, layout, true) }

func check(path string, layout *Layout, top bool) error {
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
	if _, err := io.ReadFull(f, first); errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return notBolt("the file is too short", nil)
	} else if err != nil {
		return err
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
		return notBolt("file header", fmt.Errorf("no valid meta page"))
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
	case best.root < 2 || best.root >= best.hwm || (best.freelist != noFreelist && (best.freelist < 2 || best.freelist >= best.hwm)):
		return damaged("file header", fmt.Errorf("meta page points outside the file"))
	}
	if best.freelist != noFreelist {
		if err := checkFreelist(f, best, pageSize); err != nil {
			return err
		}
	}
	// The walk reads every page of the tree. Where the system allows, it
	// reads them from a read-only mapping of the checked length (at most
	// the file's size, checked above) instead of with a read call per page,
	// which cost most of the time on a large file. A fault in the mapping
	// (the file cut short meanwhile) becomes a *DamageError under Guard.
	var src pageSource = fileSource{f}
	if m, unmap, ok := mapFile(f, need); ok {
		defer unmap()
		src = &mapSource{m: m}
	}
	w := &treeWalker{src: src, layout: layout, pageSize: pageSize, hwm: best.hwm, seen: make([]uint64, (best.hwm+63)/64), top: top}
	return Guard(func() error { return w.walk(best.root, nil, 0) })
}

// A pageSource gives the walker n bytes of the file at off. The bytes may
// be the mapping's own: the walker only reads them, and only during Check.
// visited is called once for each page the walker has looked at.
type pageSource interface {
	read(off, n int64) ([]byte, error)
	visited()
}

// fileSource reads with a read call each time.
type fileSource struct{ f *os.File }

func (s fileSource) read(off, n int64) ([]byte, error) {
	b := make([]byte, n)
	_, err := s.f.ReadAt(b, off)
	return b, err
}

func (fileSource) visited() {}

// mapSource is a read-only mapping of the file's first bytes.
type mapSource struct {
	m     []byte
	pages int // visited since the mapping was last released
}

func (s *mapSource) read(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > int64(len(s.m)) || n > int64(len(s.m))-off {
		return nil, io.ErrUnexpectedEOF
	}
	return s.m[off : off+n : off+n], nil
}

// releaseEvery is how many pages the walker looks at between two releases
// of the mapping. Each look brings in more than its page (the system maps
// the neighbours it has cached too), so without releasing, checking a
// vault with a 1 GiB document made the process 0.7 GiB resident.
const releaseEvery = 64

func (s *mapSource) visited() {
	if s.pages++; s.pages >= releaseEvery {
		adviseDontNeed(s.m)
		s.pages = 0
	}
}

// checkFreelist reads the free-page list the meta page points to. bbolt
// hands its ids out to the next write without looking at them, so one
// damaged id would make that write land on a meta page, on live data or
// far past the end of the file. Every id must lie between the meta pages
// and the high-water mark. The page is a page header (id u64, flags u16,
// count u16, overflow u32) followed by count ids; a count of 0xFFFF means
// the first id slot holds the real count.
func checkFreelist(f *os.File, m boltMeta, pageSize int64) error {
	const freelistFlag = 0x10
	bad := func(why string, args ...any) error {
		return damaged("the list of free space", fmt.Errorf(why, args...))
	}
	head := make([]byte, boltPageHeader+8)
	if _, err := f.ReadAt(head, int64(m.freelist)*pageSize); err != nil {
		return bad("unreadable: %v", err)
	}
	le := binary.LittleEndian
	id, flags, count, overflow := le.Uint64(head), le.Uint16(head[8:]), uint64(le.Uint16(head[10:])), uint64(le.Uint32(head[12:]))
	if id != m.freelist || flags != freelistFlag {
		return bad("page %d is not a free-page list", m.freelist)
	}
	if m.freelist+overflow >= m.hwm {
		return bad("runs past the end")
	}
	start := int64(boltPageHeader)
	if count == 0xFFFF {
		count = le.Uint64(head[boltPageHeader:])
		start += 8
	}
	span := int64(overflow+1) * pageSize
	if count > uint64(span-start)/8 {
		return bad("%d entries do not fit in %d pages", count, overflow+1)
	}
	ids := make([]byte, count*8)
	if _, err := f.ReadAt(ids, int64(m.freelist)*pageSize+start); err != nil {
		return bad("unreadable: %v", err)
	}
	for i := 0; i < len(ids); i += 8 {
		if p := le.Uint64(ids[i:]); p < 2 || p >= m.hwm {
			return bad("free page %d is outside the file", p)
		}
	}
	return nil
}

// A treeWalker checks the whole B+tree of a bbolt file with plain reads,
// before bbolt opens it. bbolt trusts every length and page id it finds:
// a damaged one makes it read outside the file (a fault), or, when it
// copies a page it is about to change, allocate gigabytes or write far past
// the end. The walker reads each page's header, element table and keys —
// not the values, so a vault of documents costs one small read per chunk —
// and checks that
//
//   - every page id lies inside the file and is reached once only;
//   - pages are branch or leaf pages whose elements, keys and values lie
//     inside the page, with keys ascending;
//   - the top level holds only buckets, and each bucket holds keys and
//     values of the lengths its Rule allows.
//
// The layout is bbolt's: a page header (id u64, flags u16, count u16,
// overflow u32), then count elements of 16 bytes each — a branch element
// is (pos u32, key size u32, child page u64), a leaf element (flags u32,
// pos u32, key size u32, value size u32) with pos counted from the
// element itself and the value right after the key. A bucket's value is
// (root page u64, sequence u64), followed by the bucket's own leaf page
// when root is 0 (an inline bucket).
type treeWalker struct {
	src      pageSource
	layout   *Layout
	pageSize int64
	hwm      uint64
	seen     []uint64 // a bit for each page id below hwm: reached already
	top      bool     // leave out the trees of Large buckets
}

const (
	branchPage     = 0x01
	leafPage       = 0x02
	bucketElement  = 0x01
	elementSize    = 16
	maxTreeDepth   = 32
	bucketHeader   = 16
	maxInlineValue = bucketHeader + 1<<16
)

func (w *treeWalker) bad(what string, args ...any) error {
	return damaged("the file's index", fmt.Errorf(what, args...))
}

// walk checks the page id and everything below it. rule is the bucket's,
// nil at the top level.
func (w *treeWalker) walk(id uint64, rule *namedRule, depth int) error {
	if depth > maxTreeDepth {
		return w.bad("the tree is too deep")
	}
	if id < 2 || id >= w.hwm || w.seen[id/64]&(1<<(id%64)) != 0 {
		return w.bad("page %d is outside the file or used twice", id)
	}
	w.seen[id/64] |= 1 << (id % 64)
	at := int64(id) * w.pageSize
	// One read of the first page holds the header and, almost always, the
	// whole element table (the file is at least hwm pages long: Check
	// made sure before walking).
	defer w.src.visited()
	buf, err := w.src.read(at, w.pageSize)
	if err != nil {
		return w.bad("page %d: %v", id, err)
	}
	le := binary.LittleEndian
	flags, count, overflow := le.Uint16(buf[8:]), int64(le.Uint16(buf[10:])), uint64(le.Uint32(buf[12:]))
	if le.Uint64(buf) != id || id+overflow >= w.hwm {
		return w.bad("page %d has a wrong header", id)
	}
	span := int64(overflow+1) * w.pageSize
	table := boltPageHeader + count*elementSize
	if table > span {
		return w.bad("page %d: %d elements do not fit", id, count)
	}
	// Hold the element table and the rest of its page; keys beyond are
	// read one by one.
	if n := min(span, (table+w.pageSize-1)/w.pageSize*w.pageSize); n > int64(len(buf)) {
		if buf, err = w.src.read(at, n); err != nil {
			return w.bad("page %d: %v", id, err)
		}
	}
	p := &pageView{w: w, buf: buf, at: at, span: span}
	switch flags {
	case branchPage:
		return w.branch(p, id, count, rule, depth)
	case leafPage:
		return w.leaf(p, id, count, rule, depth)
	}
	return w.bad("page %d is not part of a tree (flags %#x)", id, flags)
}

// A pageView reads bytes of one page (or of an inline bucket's value).
type pageView struct {
	w    *treeWalker
	buf  []byte // the page's first bytes
	at   int64  // file offset of the page; -1 for an inline page held in buf
	span int64  // the page's length
}

func (p *pageView) bytes(off, n int64) ([]byte, error) {
	if off+n <= int64(len(p.buf)) {
		return p.buf[off : off+n], nil
	}
	if p.at < 0 {
		return nil, io.ErrUnexpectedEOF
	}
	return p.w.src.read(p.at+off, n)
}

func (w *treeWalker) branch(p *pageView, id uint64, count int64, rule *namedRule, depth int) error {
	if count == 0 {
		return w.bad("branch page %d is empty", id)
	}
	le := binary.LittleEndian
	var prev []byte
	for i := range count {
		e := boltPageHeader + i*elementSize
		pos, ksize, child := int64(le.Uint32(p.buf[e:])), int64(le.Uint32(p.buf[e+4:])), le.Uint64(p.buf[e+8:])
		start := e + pos
		if ksize == 0 || start < boltPageHeader+count*elementSize || start+ksize > p.span {
			return w.bad("branch page %d: element %d lies outside the page", id, i)
		}
		k, err := p.bytes(start, ksize)
		if err != nil {
			return w.bad("branch page %d: %v", id, err)
		}
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return w.bad("branch page %d: keys out of order", id)
		}
		prev = k
		if err := w.walk(child, rule, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (w *treeWalker) leaf(p *pageView, id uint64, count int64, rule *namedRule, depth int) error {
	le := binary.LittleEndian
	var prev []byte
	for i := range count {
		e := boltPageHeader + i*elementSize
		flags := le.Uint32(p.buf[e:])
		pos, ksize, vsize := int64(le.Uint32(p.buf[e+4:])), int64(le.Uint32(p.buf[e+8:])), int64(le.Uint32(p.buf[e+12:]))
		start := e + pos
		if ksize == 0 || start < boltPageHeader+count*elementSize || start+ksize+vsize > p.span {
			return w.bad("page %d: element %d lies outside the page", id, i)
		}
		k, err := p.bytes(start, ksize)
		if err != nil {
			return w.bad("page %d: %v", id, err)
		}
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return w.bad("page %d: keys out of order", id)
		}
		prev = k
		isBucket := flags&bucketElement != 0
		switch {
		case rule == nil && !isBucket:
			return w.bad("page %d: a value at the top level", id)
		case rule != nil && isBucket:
			return damaged("the "+rule.name+" index", errors.New("holds a bucket where a value belongs"))
		case rule != nil:
			if err := rule.check(k, vsize); err != nil {
				return err
			}
			continue
		}
		// A bucket at the top level.
		if vsize < bucketHeader || vsize > maxInlineValue {
			return w.bad("page %d: bucket %q has a value of %d bytes", id, k, vsize)
		}
		v, err := p.bytes(start+ksize, vsize)
		if err != nil {
			return w.bad("page %d: %v", id, err)
		}
		r, ok := w.layout.Buckets[string(k)]
		if !ok {
			r = w.layout.Other
		}
		child := &namedRule{Rule: r, name: string(k)}
		root := le.Uint64(v)
		if root != 0 && w.top && r.Large {
			if root < 2 || root >= w.hwm {
				return w.bad("bucket %q: its root page %d is outside the file", k, root)
			}
			continue
		}
		if root != 0 {
			if err := w.walk(root, child, depth+1); err != nil {
				return err
			}
			continue
		}
		// An inline bucket: its leaf page is the rest of the value.
		inline := v[bucketHeader:]
		if len(inline) < boltPageHeader {
			return w.bad("bucket %q: its inline page is cut short", k)
		}
		n := int64(le.Uint16(inline[10:]))
		if le.Uint16(inline[8:]) != leafPage || boltPageHeader+n*elementSize > int64(len(inline)) {
			return w.bad("bucket %q: its inline page is damaged", k)
		}
		ip := &pageView{w: w, buf: inline, at: -1, span: int64(len(inline))}
		if err := w.leaf(ip, id, n, child, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// namedRule is a bucket's rule with the bucket's name, for messages.
type namedRule struct {
	Rule
	name string
}

func (r *namedRule) check(k []byte, vsize int64) error {
	switch {
	case len(k) < r.MinKey || len(k) > r.MaxKey:
		return damaged("the "+r.name+" index", fmt.Errorf("a key of %d bytes", len(k)))
	case vsize > int64(r.MaxValue) || (r.FixedValue > 0 && vsize != int64(r.FixedValue)):
		return damaged("the "+r.name+" index", fmt.Errorf("a value of %d bytes", vsize))
	}
	return nil
}

// mapForCheck lets tests run Check with read calls where it would map.
var mapForCheck = true
