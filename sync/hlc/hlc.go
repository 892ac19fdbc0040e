// Package hlc is a hybrid logical clock: timestamps that follow wall time
// closely, never go backwards on one device, and order events across devices
// that exchange them.
//
// Every record version in a Kluis vault carries a Timestamp. Sync merges
// concurrent edits per field by comparing them, with the author's device id
// as the deterministic tiebreak. The package is pure: no I/O, no GUI.
package hlc

import (
	"fmt"
	"sync"
	"time"
)

// A Timestamp packs milliseconds since the Unix epoch in its upper 48 bits
// and a logical counter in its lower 16 bits. Larger is later. The zero
// Timestamp is "never".
type Timestamp uint64

const logicalBits = 16
const logicalMask = 1<<logicalBits - 1

// New builds a timestamp from wall milliseconds and a logical counter.
func New(wallMillis int64, logical uint16) Timestamp {
	return Timestamp(uint64(wallMillis)<<logicalBits | uint64(logical))
}

// WallMillis is the wall-clock part in milliseconds since the Unix epoch.
func (t Timestamp) WallMillis() int64 { return int64(uint64(t) >> logicalBits) }

// Logical is the counter that orders events within one millisecond.
func (t Timestamp) Logical() uint16 { return uint16(uint64(t) & logicalMask) }

// Time is the wall-clock part as a time.Time in UTC.
func (t Timestamp) Time() time.Time { return time.UnixMilli(t.WallMillis()).UTC() }

// String formats t as RFC 3339 with milliseconds plus the counter, e.g.
// "2026-11-25T10:04:05.123Z/0".
func (t Timestamp) String() string {
	return fmt.Sprintf("%s/%d", t.Time().Format("2006-01-02T15:04:05.000Z"), t.Logical())
}

// A Clock hands out strictly increasing timestamps. It is safe for
// concurrent use.
type Clock struct {
	mu   sync.Mutex
	last Timestamp
	now  func() time.Time
}

// NewClock returns a clock that reads wall time from now (time.Now if nil)
// and never returns a timestamp at or before last.
func NewClock(now func() time.Time, last Timestamp) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{now: now, last: last}
}

// Now returns a timestamp later than every one this clock has returned or
// observed.
func (c *Clock) Now() Timestamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = next(c.last, New(c.now().UnixMilli(), 0))
	return c.last
}

// Observe merges a timestamp seen from another device, so that the next
// local timestamp orders after it.
func (c *Clock) Observe(remote Timestamp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if remote > c.last {
		c.last = remote
	}
}

// Last is the latest timestamp returned or observed.
func (c *Clock) Last() Timestamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// next returns wall if it is after last, else the smallest timestamp after
// last. When the logical counter would overflow it borrows the next
// millisecond, so the result is always strictly greater than last.
func next(last, wall Timestamp) Timestamp {
	if wall > last {
		return wall
	}
	return last + 1
}
