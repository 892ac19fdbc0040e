package filename

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{
		"loonstrook maart.pdf":        "loonstrook maart.pdf",
		"Yılmaz – brief ü.pdf":        "Yılmaz – brief ü.pdf",
		"aanvraag: maart?.pdf":        "aanvraag_ maart_.pdf",
		`a<b>c"d|e*f\g/h.txt`:         "a_b_c_d_e_f_g_h.txt",
		"factuur\x00\x1f\x7f.pdf":     "factuur___.pdf",
		"notitie.":                    "notitie_",
		"notitie ":                    "notitie_",
		"CON":                         "_CON",
		"con.txt":                     "_con.txt",
		"NUL.tar.gz":                  "_NUL.tar.gz",
		"Com1.pdf":                    "_Com1.pdf",
		"LPT9":                        "_LPT9",
		"COM¹.txt":                    "_COM¹.txt",
		"AUX .txt":                    "_AUX .txt",
		"COM10.txt":                   "COM10.txt",
		"CONTRACT.pdf":                "CONTRACT.pdf",
		"console":                     "console",
		"":                            "bestand",
		".":                           "bestand",
		"..":                          "bestand",
		".verborgen":                  ".verborgen",
		"stuk\xffkapot.pdf":           "stuk_kapot.pdf",
		"a:b:$DATA":                   "a_b_$DATA",
		strings.Repeat("x", 10) + ".": strings.Repeat("x", 10) + "_",
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafe: whatever comes in, what comes out is valid UTF-8, not empty,
// free of the forbidden characters, no device name, no trailing dot or
// space, and unchanged by a second Safe.
func FuzzSafe(f *testing.F) {
	for _, s := range []string{"a.pdf", "CON", "a:b", "x. ", "", "\xff", "lpt1.txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Safe(in)
		if out == "" || !utf8.ValidString(out) || strings.ContainsAny(out, `<>:"/\|?*`) || Reserved(out) {
			t.Fatalf("Safe(%q) = %q", in, out)
		}
		if strings.HasSuffix(out, ".") || strings.HasSuffix(out, " ") {
			t.Fatalf("Safe(%q) = %q ends in a dot or space", in, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("Safe(%q) = %q has a control character", in, out)
			}
		}
		if again := Safe(out); again != out {
			t.Fatalf("Safe(Safe(%q)) = %q, want %q", in, again, out)
		}
	})
}
