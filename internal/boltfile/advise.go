package boltfile

import (
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// A Mapping is bbolt's read-only mapping of a file as one read-only
// transaction sees it, for code that reads or writes large values. bbolt
// maps the file for random access, so the system reads a large value page
// by page as it is touched (slow from a cold disk), and every page touched
// stays resident in the process: reading a 1 GiB document made the process
// 1 GiB resident, and adding one left a MiB of each batch behind (bbolt
// reads the last leaf back to append to it). A reader calls WillNeed on
// values a little ahead of the one it reads and Release every few MiB; a
// writer calls Release after each commit. Release covers the whole mapping:
// releasing only the pages of the values read left a large part behind,
// because the system maps a page's neighbours along with it (whole large
// folios of the page cache) when the next value is read. The process then stays small
// whatever the value's size.
//
// This is advice: it never changes what the bytes read, only when the
// system reads them from disk and when it drops them from this process
// (they stay in the page cache, so touching them again is fast). Other
// transactions reading the same mapping meanwhile are not disturbed: what
// they touch again is mapped again. Where the system has no such advice
// (Windows) it does nothing.
type Mapping struct {
	data []byte // what the transaction sees of the mapping
}

// MappingOf is the mapping tx reads from. It is only valid while tx is open
// and only for a read-only tx: a writable one holds changed pages in memory
// of its own, which must never be advised; for it, every call does nothing.
func MappingOf(tx *bolt.Tx) *Mapping {
	if tx.Writable() || tx.Size() <= 0 {
		return &Mapping{}
	}
	// Info gives the mapping's address as a number. The mapping is
	// memory of the system's, outside Go's heap, and stays in place while
	// tx is open (bbolt remaps only when no read transaction is), so the
	// number is a pointer's value that no collector can move; it is
	// reinterpreted as one rather than converted, which vet cannot tell
	// from a pointer into the heap.
	info := tx.DB().Info()
	base := *(*unsafe.Pointer)(unsafe.Pointer(&info.Data))
	return &Mapping{data: unsafe.Slice((*byte)(base), tx.Size())}
}

// offset is where b, a value read from the mapping, starts in it, or ok
// false when b lies outside it (memory of a writable transaction).
func (m *Mapping) offset(b []byte) (off int, ok bool) {
	if len(b) == 0 || len(m.data) == 0 {
		return 0, false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if start < lo || start-lo > uintptr(len(m.data)) || uintptr(len(b)) > uintptr(len(m.data))-(start-lo) {
		return 0, false
	}
	return int(start - lo), true
}

// WillNeed asks the system to start reading the pages under b, a value
// read from the mapping, now and in one go, so that touching them later
// does not wait for the disk page by page.
func (m *Mapping) WillNeed(b []byte) {
	if off, ok := m.offset(b); ok {
		adviseWillNeed(m.data[off&^(pageSize-1) : off+len(b)])
	}
}

// Release tells the system that this process is done, for now, with the
// pages of the mapping it has touched: they leave its resident set. It
// costs a walk of the mapping's page tables, so a reader calls it every
// few MiB, not for every value.
func (m *Mapping) Release() {
	if len(m.data) > 0 {
		adviseDontNeed(m.data)
	}
}
