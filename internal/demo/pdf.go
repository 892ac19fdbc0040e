package demo

import (
	"bytes"
	"fmt"
	"strings"
)

// payslipLines is the text of the example payslip: font ("B" bold, "R"
// regular), size, x, y (PDF points from the bottom left) and the text.
var payslipLines = []struct {
	font       string
	size, x, y int
	text       string
}{
	{"B", 18, 56, 780, "Loonstrook oktober 2026"},
	{"R", 10, 56, 760, "VOORBEELD - verzonnen gegevens, geen echt document"},
	{"B", 11, 56, 720, "Thuiszorg IJsselland (voorbeeld)"},
	{"R", 10, 56, 705, "Postbus 1234, 8000 AA Zwolle"},
	{"B", 11, 330, 720, "Werknemer"},
	{"R", 10, 330, 705, "F. El Amrani"},
	{"R", 10, 330, 691, "Hortensiastraat 14b, 8011 AB Zwolle"},
	{"R", 10, 330, 677, "Personeelsnummer 20417"},
	{"R", 10, 56, 640, "Periode: 1 oktober 2026 tot en met 31 oktober 2026"},
	{"R", 10, 56, 626, "Functie: verzorgende IG, 24 uur per week"},
	{"B", 11, 56, 590, "Omschrijving"},
	{"B", 11, 420, 590, "Bedrag"},
	{"R", 10, 56, 570, "Salaris"},
	{"R", 10, 420, 570, "\u20ac 1.963,44"},
	{"R", 10, 56, 555, "Onregelmatigheidstoeslag"},
	{"R", 10, 420, 555, "\u20ac 112,80"},
	{"R", 10, 56, 540, "Pensioenpremie PFZW"},
	{"R", 10, 420, 540, "- \u20ac 131,62"},
	{"R", 10, 56, 525, "Loonheffing"},
	{"R", 10, 420, 525, "- \u20ac 458,42"},
	{"B", 11, 56, 495, "Netto uitbetaald"},
	{"B", 11, 420, 495, "\u20ac 1.486,20"},
	{"R", 10, 56, 470, "Uitbetaald op 24 oktober 2026 op NL91 ABNA 0417 1643 00."},
}

// Payslip returns the example payslip: a one-page PDF written by hand with
// the standard Helvetica fonts, so every PDF reader opens it.
func Payslip() []byte {
	var content bytes.Buffer
	// A thin line above the total.
	content.WriteString("0.5 w 56 510 m 520 510 l S\n")
	for _, l := range payslipLines {
		font := "F1"
		if l.font == "B" {
			font = "F2"
		}
		fmt.Fprintf(&content, "BT /%s %d Tf %d %d Td (%s) Tj ET\n", font, l.size, l.x, l.y, pdfText(l.text))
	}
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " +
			"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
	}
	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return out.Bytes()
}

// pdfText escapes s for a PDF literal string in WinAnsiEncoding: the euro
// sign and Latin-1 letters become octal escapes, brackets and backslashes
// are escaped, anything else outside ASCII becomes "?".
func pdfText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\u20ac':
			b.WriteString(`\200`)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r >= 0xa0 && r <= 0xff:
			fmt.Fprintf(&b, `\%03o`, r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
