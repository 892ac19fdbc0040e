package app

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2/lang"

	"kluis/vault"
)

// strength rates a new passphrase from 0 (refused) to 4 (strong). It
// rewards length first — a sentence of four ordinary words is better than
// a short jumble — and punishes repetition and the most common choices.
func strength(p string) int {
	n := utf8.RuneCountInString(strings.TrimSpace(p))
	if n < vault.MinPassphraseLen || isExamplePassphrase(p) {
		return 0
	}
	lower := strings.ToLower(p)
	for _, common := range commonPassphrases {
		if strings.Contains(lower, common) && n < len(common)+6 {
			return 1
		}
	}
	distinct := map[rune]bool{}
	var classes [4]bool
	for _, r := range p {
		distinct[r] = true
		switch {
		case unicode.IsLower(r):
			classes[0] = true
		case unicode.IsUpper(r):
			classes[1] = true
		case unicode.IsDigit(r):
			classes[2] = true
		default:
			classes[3] = true
		}
	}
	if len(distinct) < 5 {
		return 1
	}
	score := 1
	switch {
	case n >= 20:
		score = 4
	case n >= 14:
		score = 3
	case n >= 10:
		score = 2
	}
	kinds := 0
	for _, c := range classes {
		if c {
			kinds++
		}
	}
	if kinds >= 3 && score < 4 {
		score++
	}
	return score
}

var commonPassphrases = []string{
	"wachtwoord", "password", "welkom", "welcome", "12345678", "qwerty", "azerty", "geheim", "kluis",
}

// examplePassphrases are the examples shown on the create screen (in every
// language): anyone can read them, so they protect nothing.
var examplePassphrases = []string{"fiets regen koffie zomer", "bicycle rain coffee summer"}

// isExamplePassphrase reports whether p is a shown example, ignoring case,
// extra spaces and punctuation between the words.
func isExamplePassphrase(p string) bool {
	words := strings.FieldsFunc(strings.ToLower(p), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	got := strings.Join(words, " ")
	for _, e := range examplePassphrases {
		if got == e {
			return true
		}
	}
	return false
}

// passphraseProblem is the text that refuses a new passphrase, or "".
func passphraseProblem(p string) string {
	switch {
	case isExamplePassphrase(p):
		return lang.L("app.create.example")
	case strength(p) == 0:
		return lang.L("app.create.too_short")
	}
	return ""
}

// strengthText rates p for the meter's label; the example is named as
// such, and nothing typed yet is not rated (no "Te kort" before a word).
func strengthText(p string) string {
	if p == "" {
		return ""
	}
	if isExamplePassphrase(p) {
		return lang.L("app.strength.example")
	}
	return lang.L(strengthKeys[strength(p)])
}
