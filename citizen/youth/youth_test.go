package youth

import (
	"errors"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		age    int
		helper bool
		want   error
	}{{-1, false, nil}, {5, true, ErrTooYoung}, {11, true, ErrTooYoung}, {12, false, ErrNeedsParent},
		{14, true, nil}, {15, false, ErrNeedsParent}, {16, false, nil}, {40, false, nil}} {
		if err := Check(c.age, c.helper); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("age %d, helper %v: %v, want %v", c.age, c.helper, err, c.want)
		}
	}
}

func TestAgeOnPartialDates(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	for date, want := range map[string]int{"2010-11-25": 16, "2010-11-26": 15, "2010-12": 15, "2010": 16, "": -1, "20xx": -1} {
		got, ok := AgeOn(date, now)
		if !ok {
			got = -1
		}
		if got != want {
			t.Errorf("AgeOn(%q) = %d, want %d", date, got, want)
		}
	}
}
