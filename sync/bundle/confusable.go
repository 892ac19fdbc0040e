package bundle

import (
	"strings"
	"unicode"
)

// lookAlike maps letters that look like a Latin letter in common fonts
// (Cyrillic, Greek, and a few Latin variants) to that letter.
var lookAlike = map[rune]rune{
	'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'ё': 'e', 'һ': 'h', 'і': 'i', 'ї': 'i', 'ј': 'j',
	'к': 'k', 'ӏ': 'l', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'т': 't', 'у': 'y',
	'х': 'x', 'ԝ': 'w', 'ү': 'y', 'ɡ': 'g', 'ı': 'i', 'ℓ': 'l',
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'ω': 'w', 'ϲ': 'c',
	'0': 'o', '1': 'l', '|': 'l',
}

// skeleton is name as it looks: lower case, look-alike letters as the
// Latin letter they resemble, accents and marks dropped, "rn" as "m",
// and everything but letters and digits left out.
func skeleton(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if l, ok := lookAlike[r]; ok {
			r = l
		}
		if r >= 'à' && r <= 'ÿ' {
			r = foldLatin1(r)
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return strings.ReplaceAll(b.String(), "rn", "m")
}

// foldLatin1 drops the accent of a lower-case Latin-1 letter.
func foldLatin1(r rune) rune {
	const from, to = "àáâãäåçèéêëìíîïñòóôõöøùúûüýÿ", "aaaaaaceeeeiiiinoooooouuuuyy"
	for i, f := range []rune(from) {
		if f == r {
			return []rune(to)[i]
		}
	}
	return r
}

// ConfusableNames reports whether two organisation names look the same
// to a person: equal after folding case, accents, spaces and punctuation,
// and letters of other scripts that look Latin ("Gemeente Zwolle" with a
// Cyrillic о is "Gemeente Zwolle").
func ConfusableNames(a, b string) bool {
	sa, sb := skeleton(a), skeleton(b)
	return sa != "" && sa == sb
}

// PassesFor reports whether c could pass for kept card k: another key
// (fingerprint), with a name that looks like k's or the same OIN. Such a
// card is a likely impostor of k's organisation.
func (c *Card) PassesFor(k *Card) bool {
	if c.Fingerprint() == k.Fingerprint() {
		return false
	}
	return ConfusableNames(c.Org, k.Org) || (k.OIN != "" && k.OIN == c.OIN)
}
