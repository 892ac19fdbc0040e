// Package filename makes a name that came from elsewhere (a document's
// name in the vault, a bundle, a name someone typed) fit to be a file name
// on every system Kluis runs on, Windows included, so that writing it out
// never fails or, worse, means something else there.
//
// Windows forbids < > : " / \ | ? * and the control characters in a name;
// it treats CON, PRN, AUX, NUL, COM1–COM9 and LPT1–LPT9 (also with any
// extension, as in "NUL.txt", and with superscript digits) as devices; and
// it drops a trailing dot or space. A colon is the worst: "a:b" would write
// an alternate stream b of a file a, invisible in Explorer.
//
// Safe replaces each forbidden character with "_", puts "_" before a
// device name, and replaces a trailing dot or space with "_". It never
// returns an empty name. It is the same on every system, so an export made
// on Linux can be copied to a Windows computer or a USB stick. It knows no
// vault, format or Fyne.
package filename

import (
	"strings"
	"unicode/utf8"
)

// fallback is the name for a name with nothing usable in it.
const fallback = "bestand"

// Safe returns name made fit to be a file name on Windows and elsewhere
// (see the package comment). A name that already is comes back unchanged.
func Safe(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`<>:"/\|?*`, r) {
			b.WriteByte('_')
			continue
		}
		b.WriteRune(r)
	}
	s := b.String()
	if s == "" || s == "." || s == ".." {
		return fallback
	}
	if last := s[len(s)-1]; last == '.' || last == ' ' {
		s = s[:len(s)-1] + "_"
	}
	if Reserved(s) {
		s = "_" + s
	}
	return s
}

// Reserved reports whether Windows takes name for a device: CON, PRN, AUX,
// NUL, COM1–9 or LPT1–9 (and COM¹²³, LPT¹²³), in any case, alone or before
// a dot, with or without spaces before it.
func Reserved(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) < 4 || (base[:3] != "COM" && base[:3] != "LPT") {
		return false
	}
	switch base[3:] {
	case "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
		return true
	}
	return false
}
