package hlc

import (
	"sync"
	"testing"
	"time"
)

func TestPackRoundTrip(t *testing.T) {
	ts := New(1_764_000_000_123, 42)
	if ts.WallMillis() != 1_764_000_000_123 || ts.Logical() != 42 {
		t.Fatalf("got wall %d logical %d", ts.WallMillis(), ts.Logical())
	}
	if got, want := ts.String(), "2025-11-24T16:00:00.123Z/42"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}

func TestClockStrictlyIncreasesWhenWallStandsStill(t *testing.T) {
	fixed := time.UnixMilli(1_000_000)
	c := NewClock(func() time.Time { return fixed }, 0)
	prev := c.Now()
	for range 70_000 { // more than the 16-bit counter holds
		ts := c.Now()
		if ts <= prev {
			t.Fatalf("timestamp %v not after %v", ts, prev)
		}
		prev = ts
	}
}

func TestClockNeverGoesBackWithWallClock(t *testing.T) {
	wall := time.UnixMilli(5_000_000)
	c := NewClock(func() time.Time { return wall }, 0)
	a := c.Now()
	wall = wall.Add(-time.Hour) // the user set the system clock back
	b := c.Now()
	if b <= a {
		t.Fatalf("after the wall clock went back: %v is not after %v", b, a)
	}
}

func TestClockResumesAfterPersistedLast(t *testing.T) {
	last := New(9_000_000, 7)
	c := NewClock(func() time.Time { return time.UnixMilli(1) }, last)
	if ts := c.Now(); ts <= last {
		t.Fatalf("%v is not after persisted %v", ts, last)
	}
}

func TestObserveOrdersLocalAfterRemote(t *testing.T) {
	c := NewClock(func() time.Time { return time.UnixMilli(1000) }, 0)
	remote := New(99_999, 3)
	c.Observe(remote)
	if ts := c.Now(); ts <= remote {
		t.Fatalf("%v is not after observed %v", ts, remote)
	}
	c.Observe(New(1, 0)) // an older remote changes nothing
	if c.Last() < remote {
		t.Fatalf("Observe of an older timestamp moved the clock back")
	}
}

func TestClockConcurrentUnique(t *testing.T) {
	c := NewClock(nil, 0)
	var mu sync.Mutex
	seen := map[Timestamp]bool{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				ts := c.Now()
				mu.Lock()
				if seen[ts] {
					t.Errorf("duplicate timestamp %v", ts)
				}
				seen[ts] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
