package safetext

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// The ranges each former copy of the rule refused (app share wizard,
// sync/signed, sync/bundle, vault/schema, sync/delegate contacts) and those
// the rule added: every one must stay hidden. The two joiners, which the
// contact codes' copy refused, are written text (see the package comment).
var hiddenRanges = []struct {
	lo, hi rune
	what   string
}{
	{0x00, 0x1f, "C0 controls"},
	{0x7f, 0x9f, "DEL and C1 controls"},
	{0x00ad, 0x00ad, "soft hyphen"},
	{0x061c, 0x061c, "Arabic letter mark"},
	{0x180e, 0x180e, "Mongolian vowel separator"},
	{0x200b, 0x200b, "zero-width space"},
	{0x200e, 0x200f, "left-to-right and right-to-left marks"},
	{0x2028, 0x2029, "line and paragraph separators"},
	{0x202a, 0x202e, "bidirectional embeddings and overrides"},
	{0x2060, 0x2064, "word joiner and invisible operators"},
	{0x2066, 0x2069, "bidirectional isolates"},
	{0x206a, 0x206f, "deprecated format characters"},
	{0xfeff, 0xfeff, "byte order mark"},
	{0xfff9, 0xfffb, "interlinear annotation marks"},
	{0xe0001, 0xe0001, "language tag"},
	{0xe0020, 0xe007f, "tag characters"},
}

func TestHiddenRanges(t *testing.T) {
	t.Parallel()
	for _, h := range hiddenRanges {
		for r := h.lo; r <= h.hi; r++ {
			if !IsHidden(r) {
				t.Errorf("%s: U+%04X is not hidden", h.what, r)
			}
		}
	}
}

func TestVisible(t *testing.T) {
	t.Parallel()
	for _, r := range []rune{' ', 'a', 'Z', '0', '~', 0xa0, 'é', 'ı', 'ß', 'ж', 'ש', 'ع', '中', '€', 0xfffd, 0x1f600, 0x2027, 0x202f, 0x205f, 0x3000, 0xfe0f, 0x200c, 0x200d} {
		if IsHidden(r) {
			t.Errorf("U+%04X %q is hidden", r, r)
		}
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		s         string
		r         rune
		at        int
		found     bool
		multiline bool // FindMultiline's verdict, when it differs
	}{
		{"empty", "", 0, 0, false, false},
		{"plain", "Loonstrook maart.pdf", 0, 0, false, false},
		{"accents", "Fatima Yılmaz – café", 0, 0, false, false},
		{"right-to-left text", "ملف", 0, 0, false, false},
		{"override", "invoice\u202Efdp.exe", 0x202e, 7, true, true},
		{"isolate", "a\u2066b", 0x2066, 1, true, true},
		{"bom", "\uFEFFname", 0xfeff, 0, true, true},
		{"zero width space", "pay\u200Bpal", 0x200b, 3, true, true},
		{"joiner", "x\u200Dy", 0, 0, false, false},
		{"persian non-joiner", "می\u200Cخواهم", 0, 0, false, false},
		{"family emoji", "\U0001F468\u200D\U0001F469\u200D\U0001F467", 0, 0, false, false},
		{"rlm", "é\u200F", 0x200f, 2, true, true},
		{"arabic letter mark", "\u061C", 0x061c, 0, true, true},
		{"annotation", "a\uFFF9b", 0xfff9, 1, true, true},
		{"tag", "flag\U000E0067", 0xe0067, 4, true, true},
		{"nul", "a\x00", 0, 1, true, true},
		{"escape", "\x1b[31m", 0x1b, 0, true, true},
		{"c1", "a\u0085", 0x85, 1, true, true},
		{"del", "a\x7f", 0x7f, 1, true, true},
		{"line feed", "one\ntwo", '\n', 3, true, false},
		{"tab", "a\tb", '\t', 1, true, false},
		{"carriage return", "one\r\ntwo", '\r', 3, true, true},
		{"line separator", "one\u2028two", 0x2028, 3, true, false},
		{"paragraph separator", "one\u2029", 0x2029, 3, true, false},
		{"invalid byte", "ab\xffc", utf8.RuneError, 2, true, true},
		{"cut rune", "ab\xc3", utf8.RuneError, 2, true, true},
		{"replacement character itself", "a\uFFFDb", 0, 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, at, found := Find(tc.s)
			if r != tc.r || at != tc.at || found != tc.found {
				t.Errorf("Find(%q) = %U, %d, %v; want %U, %d, %v", tc.s, r, at, found, tc.r, tc.at, tc.found)
			}
			if _, _, found := FindMultiline(tc.s); found != tc.multiline {
				t.Errorf("FindMultiline(%q) found = %v, want %v", tc.s, found, tc.multiline)
			}
		})
	}
}

// oracle is the rule written as plainly as possible: decode rune by rune
// and ask the Unicode tables.
func oracle(s string, multiline bool) (rune, int, bool) {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return r, i, true
			}
		}
		if multiline && (r == '\n' || r == '\t' || r == 0x2028 || r == 0x2029) {
			continue
		}
		if hiddenOracle(r) {
			return r, i, true
		}
	}
	return 0, 0, false
}

// hiddenOracle: controls, format characters but the two joiners, and the
// line and paragraph separators.
func hiddenOracle(r rune) bool {
	if r == 0x200c || r == 0x200d {
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029
}

func FuzzFind(f *testing.F) {
	for _, s := range []string{"", "plain", "a\u202Eb", "\xff", "one\ntwo\ttab", "x\u200Dy", "\U000E0041", "é\u2028", "a\r\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, multiline := range []bool{false, true} {
			r, at, found := find(s, multiline)
			wr, wat, wfound := oracle(s, multiline)
			if r != wr || at != wat || found != wfound {
				t.Fatalf("find(%q, %v) = %U, %d, %v; oracle says %U, %d, %v", s, multiline, r, at, found, wr, wat, wfound)
			}
			if !found && !utf8.ValidString(s) {
				t.Fatalf("find(%q, %v) passed invalid UTF-8", s, multiline)
			}
		}
		for _, r := range s {
			if IsHidden(r) != hiddenOracle(r) {
				t.Fatalf("IsHidden(%U) disagrees with the oracle", r)
			}
		}
	})
}
