package boltfile

import (
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// A Mapping is bbolt's read-only mapping of a file as one read-only
// transaction sees it, for code that reads or writes large values. Every
// page a process touches in that mapping stays in its resident set: reading
// a 1 GiB document through it made the process 1 GiB resident, and adding
// one left a MiB of each batch behind (bbolt reads the last leaf back to
// append to it). A reader of large values reads them from the file at
// their Offset instead (one read call per value, with the system's usual
// read-ahead; bbolt maps the file for random access, so a cold read through
// the mapping waited on the disk page by page) and calls Release every few
// MiB for the pages its cursor touched; a writer calls Release after each
// commit. The process then stays small whatever the value's size.
//
// Release is advice: it never changes what the bytes read, only when the
// system drops them from this process (they stay in the page cache, so
// touching them again is fast). Other transactions reading the same mapping
// meanwhile are not disturbed: what they touch again is mapped again. Where
// the system has no such advice (Windows) it does nothing.
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

// offset is where b starts in the mapping, or ok false when b lies
// outside it.
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

// Offset is where b, a value read from the mapping, lies in the file, or
// ok false when b lies outside the mapping (memory of a writable
// transaction). The bytes there stay as b shows them while the transaction
// is open: bbolt reuses a page only once no transaction can read it.
func (m *Mapping) Offset(b []byte) (off int64, ok bool) {
	o, ok := m.offset(b)
	return int64(o), ok
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
