// Package safetext holds Kluis's one rule for hidden characters: the
// characters that text from outside (a name, a purpose, a record's field, a
// file name in a bundle, a line of a signed document) may not hold because
// they make text read other than it is, or hide part of it. Every check of
// that kind calls this package, so that a name the app accepts is one a
// bundle accepts, and the other way round.
//
// A character is hidden when it is
//
//   - a control character (Unicode category Cc): C0 (U+0000–001F, so tab and
//     line feed too), DEL and C1 (U+0080–009F);
//   - a format character (category Cf), among them the bidirectional
//     embeddings and overrides U+202A–202E, isolates U+2066–2069, marks
//     U+200E, U+200F and U+061C; the zero-width space U+200B; the word
//     joiner and invisible operators U+2060–2064; the byte order mark
//     U+FEFF; the interlinear annotation marks U+FFF9–FFFB; the soft hyphen
//     U+00AD and the tag characters U+E0001–E007F — but not the zero-width
//     non-joiner and joiner U+200C and U+200D (see below);
//   - the line and paragraph separators U+2028 and U+2029.
//
// The two joiners are part of how people write: Persian and other
// Arabic-script languages need U+200C inside words, Indic scripts both, and
// emoji sequences (a family, a flag) U+200D. Refusing them would refuse
// people's names and notes, records kept before this rule, and bundles made
// by earlier versions of Kluis. They cannot reorder text the way the
// bidirectional controls can.
//
// Multi-line text may hold line feed, tab and the line and paragraph
// separators (they show as line breaks), nothing else of the above. Bytes
// that are not UTF-8 count as hidden: they show as U+FFFD, not as what was
// sent.
//
// This package must never depend on anything but the standard library:
// format packages that stand alone import it.
package safetext

import (
	"unicode"
	"unicode/utf8"
)

// IsHidden reports whether r is a hidden character (see the package
// comment). It holds for tab and line feed; FindMultiline allows them.
func IsHidden(r rune) bool {
	if r < utf8.RuneSelf {
		return r < 0x20 || r == 0x7f
	}
	if r == zwnj || r == zwj {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// The zero-width non-joiner and joiner, which writing needs.
const zwnj, zwj = '\u200C', '\u200D'

// lineSeparator and paragraphSeparator are line breaks in multi-line text.
const lineSeparator, paragraphSeparator = '\u2028', '\u2029'

// Find returns the first hidden character in s and its byte offset, with
// found set; or found false when s is UTF-8 with no hidden character. A
// byte that is not UTF-8 is reported as utf8.RuneError at its offset.
func Find(s string) (r rune, at int, found bool) {
	return find(s, false)
}

// FindMultiline is Find for multi-line text: line feed, tab and the line
// and paragraph separators are allowed. (A carriage return is not: turn
// "\r\n" into "\n" first.)
func FindMultiline(s string) (r rune, at int, found bool) {
	return find(s, true)
}

func find(s string, multiline bool) (rune, int, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 || c == 0x7f) && !(multiline && (c == '\n' || c == '\t')) {
				return rune(c), i, true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if multiline && (r == lineSeparator || r == paragraphSeparator) {
			i += size
			continue
		}
		if r == utf8.RuneError && size == 1 || IsHidden(r) {
			return r, i, true
		}
		i += size
	}
	return 0, 0, false
}
