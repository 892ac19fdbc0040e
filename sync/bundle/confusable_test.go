package bundle

import "testing"

func TestConfusableNames(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"Gemeente Zwolle", "Gemeente Zw\u043elle", true}, // Cyrillic о
		{"Gemeente Zwolle", "gemeente  zwolle", true},
		{"Gemeente Zwolle", "Gemeente Zwo11e", true},
		{"Gemeente Barneveld", "Gemeente Bameveld", true},
		{"GGD Fryslân", "GGD Fryslan", true},
		{"Gemeente Zwolle", "Gemeente Kampen", false},
		{"", "", false},
	} {
		if got := ConfusableNames(c.a, c.b); got != c.want {
			t.Errorf("ConfusableNames(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
