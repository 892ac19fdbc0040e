package request

import (
	"bytes"
	"testing"
)

// FuzzParse feeds Parse anything: it must never panic, and what it
// accepts must be the canonical, signed form, the same again when parsed
// from its armor and its link.
func FuzzParse(f *testing.F) {
	org := newOrg(f, "Gemeente Zwolle")
	file := newRequest(f, org, testFields())
	f.Add(file)
	f.Add(Armor(file))
	f.Add([]byte(Link(file)))
	f.Add(append(bytes.Clone(file[:len(file)-2]), '\n'))
	f.Add([]byte("{}\nAAAA\n"))
	f.Fuzz(func(t *testing.T, input []byte) {
		p, err := Parse(input)
		if err != nil {
			if CodeOf(err) == "" {
				t.Fatalf("a refusal without a code: %v", err)
			}
			return
		}
		again, err := marshalCompact(p.Request)
		if err != nil {
			t.Fatal(err)
		}
		body, _, _ := splitSigned(p.File)
		if !bytes.Equal(again, body) {
			t.Fatal("accepted a body that is not canonical")
		}
		for _, enc := range [][]byte{Armor(p.File), []byte(Link(p.File))} {
			q, err := Parse(enc)
			if err != nil || !bytes.Equal(q.File, p.File) {
				t.Fatalf("re-encoded request does not parse the same: %v", err)
			}
		}
	})
}
