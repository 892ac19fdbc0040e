package tally

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// chartEllipsis ends a line that was cut short. basicfont has no glyph
// for it; the chart draws it as three dots in one character cell.
const chartEllipsis = '…'

// chartFold maps letters with diacritics, ligatures and typographic
// punctuation to what basicfont (printable ASCII only) can draw: é → e,
// ĳ → ij, ’ → '. Only the Latin letters of Dutch and its neighbours are
// listed; everything else is drawn as '?', so a name is never silently
// shortened or turned into another word.
var chartFold = func() map[rune]string {
	m := map[rune]string{}
	for base, letters := range map[string]string{
		"A": "ÀÁÂÃÄÅĀĂĄ", "a": "àáâãäåāăą",
		"C": "ÇĆĈĊČ", "c": "çćĉċč",
		"D": "ĎĐÐ", "d": "ďđð",
		"E": "ÈÉÊËĒĔĖĘĚ", "e": "èéêëēĕėęě",
		"G": "ĜĞĠĢ", "g": "ĝğġģ",
		"H": "ĤĦ", "h": "ĥħ",
		"I": "ÌÍÎÏĨĪĬĮİ", "i": "ìíîïĩīĭįı",
		"J": "Ĵ", "j": "ĵ",
		"K": "Ķ", "k": "ķ",
		"L": "ĹĻĽĿŁ", "l": "ĺļľŀł",
		"N": "ÑŃŅŇ", "n": "ñńņň",
		"O": "ÒÓÔÕÖØŌŎŐ", "o": "òóôõöøōŏő",
		"R": "ŔŖŘ", "r": "ŕŗř",
		"S": "ŚŜŞŠ", "s": "śŝşš",
		"T": "ŢŤŦ", "t": "ţťŧ",
		"U": "ÙÚÛÜŨŪŬŮŰŲ", "u": "ùúûüũūŭůűų",
		"W": "Ŵ", "w": "ŵ",
		"Y": "ÝŶŸ", "y": "ýÿŷ",
		"Z": "ŹŻŽ", "z": "źżž",
		"AE": "Æ", "ae": "æ", "OE": "Œ", "oe": "œ", "IJ": "Ĳ", "ij": "ĳ",
		"ss": "ß", "Th": "Þ", "th": "þ",
		"'": "‘’‚‛′", `"`: "“”„‟″«»", "-": "‐‑‒–—―−", "x": "×", "*": "•·",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// chartText makes s drawable with basicfont: printable ASCII is kept,
// letters with diacritics lose them (chartFold), combining marks are
// dropped (their base letter is already there), any space becomes a
// plain space, and every other character becomes '?'. Each rune of the
// result is one character cell, including the ellipsis.
func chartText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == chartEllipsis:
			b.WriteRune(r)
		case r >= ' ' && r <= '~':
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.Is(unicode.Mn, r):
		case chartFold[r] != "":
			b.WriteString(chartFold[r])
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// chartWrap breaks s (already chartText) into lines of at most cols
// characters at spaces and after hyphens, breaking a word elsewhere only
// when it is longer than a line. With maxLines > 0, text beyond that many
// lines is cut off and the last line shown ends in an ellipsis.
func chartWrap(s string, cols, maxLines int) []string {
	cols = max(cols, 2)
	var lines []string
	var line []rune
	for _, word := range strings.Fields(s) {
		for i, piece := range splitAfterHyphens(word) {
			w := []rune(piece)
			for len(w) > 0 {
				sep := 0
				if len(line) > 0 && i == 0 {
					sep = 1
				}
				switch {
				case len(line)+sep+len(w) <= cols:
					if sep == 1 {
						line = append(line, ' ')
					}
					line, w = append(line, w...), nil
				case len(line) > 0:
					lines, line = append(lines, string(line)), nil
				default:
					lines, w = append(lines, string(w[:cols])), w[cols:]
				}
			}
		}
	}
	if len(line) > 0 {
		lines = append(lines, string(line))
	}
	if maxLines > 0 && len(lines) > maxLines {
		last := []rune(lines[maxLines-1])
		if len(last) >= cols {
			last = last[:cols-1]
		}
		lines = append(lines[:maxLines-1], strings.TrimRight(string(last), " ")+string(chartEllipsis))
	}
	return lines
}

// splitAfterHyphens splits "Stadshagen-Noord" into "Stadshagen-" and
// "Noord": a line may end after a hyphen between two letters.
func splitAfterHyphens(word string) []string {
	var pieces []string
	start := 0
	for i := 1; i < len(word)-1; i++ {
		if word[i] == '-' && word[i-1] != '-' && word[i+1] != '-' {
			pieces = append(pieces, word[start:i+1])
			start = i + 1
		}
	}
	return append(pieces, word[start:])
}

// chartWidth is the width of a chartText string in character cells.
func chartWidth(s string) int { return utf8.RuneCountInString(s) }
