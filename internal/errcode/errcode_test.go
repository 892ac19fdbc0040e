package errcode

import (
	"errors"
	"fmt"
	"testing"
)

type refusal struct{ code, detail string }

func (r *refusal) Error() string       { return "refused: " + r.code }
func (r *refusal) ErrorCode() string   { return "test." + r.code }
func (r *refusal) ErrorDetail() string { return r.detail }

func TestOf(t *testing.T) {
	errX := New("test.x", "x happened")
	errMin := NewWithArgs("test.min", "too short", map[string]any{"Min": 12})
	if errX.Error() != "x happened" || !errors.Is(fmt.Errorf("doing: %w", errX), errX) {
		t.Errorf("sentinel: %q", errX)
	}
	for _, tc := range []struct {
		err          error
		code, detail string
	}{
		{nil, "", ""},
		{errors.New("plain"), "", ""},
		{errX, "test.x", ""},
		{fmt.Errorf("doing: %w", errMin), "test.min", ""},
		{fmt.Errorf("a: %w", &refusal{"late", "after 1 May"}), "test.late", "after 1 May"},
		// The outermost coded error speaks, not one it wraps.
		{fmt.Errorf("%w: %w", &refusal{"outer", ""}, errX), "test.outer", ""},
	} {
		if got := Code(tc.err); got != tc.code {
			t.Errorf("Code(%v) = %q, want %q", tc.err, got, tc.code)
		}
		if got := Detail(tc.err); got != tc.detail {
			t.Errorf("Detail(%v) = %q, want %q", tc.err, got, tc.detail)
		}
	}
	if a, ok := Of(errMin).(Args); !ok || a.ErrorArgs()["Min"] != 12 {
		t.Errorf("args of %v are missing", errMin)
	}
}
