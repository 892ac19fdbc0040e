package schema

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// check runs one validator case: want is the canonical result, or code the
// expected error code.
func check(t *testing.T, name, in string, got string, err error, want string, code Code) {
	t.Helper()
	if code != "" {
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Code != code {
			t.Errorf("%s(%q) = %q, %v; want error %s", name, in, got, err, code)
		}
		return
	}
	if err != nil || got != want {
		t.Errorf("%s(%q) = %q, %v; want %q", name, in, got, err, want)
	}
}

func TestNormalizeBSN(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		code     Code
	}{
		{"123456782", "123456782", ""},
		{"249566758", "249566758", ""},
		{"111222333", "111222333", ""},
		{"1234.56.782", "123456782", ""},
		{" 1234 56 782 ", "123456782", ""},
		{"12345672", "012345672", ""}, // 8 digits: a leading zero is added
		{"000000000", "", CodeBSNChecksum},
		{"123456789", "", CodeBSNChecksum},
		{"123456783", "", CodeBSNChecksum},
		{"00000000", "", CodeBSNChecksum},
		{"12345678", "", CodeBSNChecksum}, // 012345678 fails the elfproef
		{"1234567", "", CodeBSNLength},
		{"1234567820", "", CodeBSNLength},
		{"12345678a", "", CodeBSNLength},
		{"123-456-782", "", CodeBSNLength},
		{"", "", CodeBSNLength},
		{"１２３４５６７８２", "", CodeBSNLength}, // full-width digits
	} {
		got, err := NormalizeBSN(tc.in)
		check(t, "NormalizeBSN", tc.in, got, err, tc.want, tc.code)
	}
}

func TestNormalizeIBAN(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		code     Code
	}{
		{"NL91ABNA0417164300", "NL91ABNA0417164300", ""},
		{"nl91 abna 0417 1643 00", "NL91ABNA0417164300", ""},
		{"DE89370400440532013000", "DE89370400440532013000", ""},
		{"GB82WEST12345698765432", "GB82WEST12345698765432", ""},
		{"BE68 5390 0754 7034", "BE68539007547034", ""},
		{"FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606", ""},
		{"NO93 8601 1117 947", "NO9386011117947", ""},
		{"NL91ABNA0417164301", "", CodeIBANChecksum}, // last digit changed
		{"NL91ABNA0417164310", "", CodeIBANChecksum}, // two digits swapped
		{"NL19ABNA0417164300", "", CodeIBANChecksum}, // check digits swapped
		{"DE89370400440532013001", "", CodeIBANChecksum},
		{"NL91ABNA041716430", "", CodeIBANLength},
		{"NL91ABNA04171643000", "", CodeIBANLength},
		{"DE8937040044053201300", "", CodeIBANLength},
		{"12ABNA0417164300", "", CodeIBANCountry},
		{"N", "", CodeIBANCountry},
		{"", "", CodeIBANCountry},
		{"NL91-ABNA-0417-1643-00", "", CodeIBANFormat},
		{"NLXXABNA0417164300", "", CodeIBANChecksum},
		{"XX12", "", CodeIBANLength}, // unknown country needs 15..34 characters
		{"NL91ABNA0417164300NL91ABNA0417164300", "", CodeIBANLength},
		{"NLıı", "", CodeIBANFormat}, // dotless i must not become I
	} {
		got, err := NormalizeIBAN(tc.in)
		check(t, "NormalizeIBAN", tc.in, got, err, tc.want, tc.code)
	}
}

// An unknown country is accepted at any length from 15 to 34 when the
// checksum holds. Check digits are computed with the test's oracle.
func TestNormalizeIBANUnknownCountry(t *testing.T) {
	for _, bban := range []string{"12345678901", "ABCDEFGH1234567890123456789012"} {
		iban := withCheckDigits("XQ", bban)
		got, err := NormalizeIBAN(iban)
		if err != nil || got != iban {
			t.Errorf("NormalizeIBAN(%q) = %q, %v", iban, got, err)
		}
	}
	if iban := withCheckDigits("NL", "ABNA0417164300"); iban != "NL91ABNA0417164300" {
		t.Fatalf("oracle gives %q", iban)
	}
}

// Check digits 00, 01 and 99 never occur. 00 and 01 give the same mod-97
// remainder as 97 and 98, so a number whose real check digits are 97 or 98
// has an alias that passes mod 97 and must still be refused.
func TestNormalizeIBANAliasCheckDigits(t *testing.T) {
	found := 0
	for i := 0; i < 10000 && found < 4; i++ {
		bban := fmt.Sprintf("ABNA%010d", i)
		full := withCheckDigits("NL", bban)
		alias := map[string]string{"97": "00", "98": "01"}[full[2:4]]
		if alias == "" {
			continue
		}
		found++
		if _, err := NormalizeIBAN(full); err != nil {
			t.Errorf("NormalizeIBAN(%q): %v", full, err)
		}
		bad := "NL" + alias + bban
		if ibanOracleMod97(bad) != 1 {
			t.Fatalf("%s is not an alias of %s", bad, full)
		}
		if _, err := NormalizeIBAN(bad); !errors.Is(err, &ValueError{Code: CodeIBANChecksum}) {
			t.Errorf("NormalizeIBAN(%q) error = %v, want iban.checksum", bad, err)
		}
	}
	if found == 0 {
		t.Fatal("no number with check digits 97 or 98 found")
	}
}

func TestNormalizePostcode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		code     Code
	}{
		{"1234 AB", "1234 AB", ""},
		{"1234ab", "1234 AB", ""},
		{" 8011  vk ", "8011 VK", ""},
		{"9999ZZ", "9999 ZZ", ""},
		{"1234 SB", "1234 SB", ""},
		{"0123 AB", "", CodePostcodeFormat},
		{"1234 SA", "", CodePostcodeFormat},
		{"1234 sd", "", CodePostcodeFormat},
		{"1234SS", "", CodePostcodeFormat},
		{"123 AB", "", CodePostcodeFormat},
		{"12345 AB", "", CodePostcodeFormat},
		{"1234 A", "", CodePostcodeFormat},
		{"1234 ABC", "", CodePostcodeFormat},
		{"1234-AB", "", CodePostcodeFormat},
		{"AB 1234", "", CodePostcodeFormat},
		{"1234 aı", "", CodePostcodeFormat}, // dotless i must not become I
		{"", "", CodePostcodeFormat},
	} {
		got, err := NormalizePostcode(tc.in)
		check(t, "NormalizePostcode", tc.in, got, err, tc.want, tc.code)
	}
}

func TestNormalizeDate(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		code     Code
	}{
		{"2024-05-01", "2024-05-01", ""},
		{"2024-5-1", "2024-05-01", ""},
		{"2024-05", "2024-05", ""},
		{"2024", "2024", ""},
		{"1-5-2024", "2024-05-01", ""},
		{"01-05-2024", "2024-05-01", ""},
		{"5-2024", "2024-05", ""},
		{"05-2024", "2024-05", ""},
		{"1/5/2024", "2024-05-01", ""},
		{"1.5.2024", "2024-05-01", ""},
		{" 31-12-1999 ", "1999-12-31", ""},
		{"29-2-2024", "2024-02-29", ""},
		{"2000-02-29", "2000-02-29", ""},
		{"1850", "1850", ""},
		{"2200-12-31", "2200-12-31", ""},
		{"2023-02-29", "", CodeDateInvalid},
		{"1900-02-29", "", CodeDateInvalid},
		{"31-4-2024", "", CodeDateInvalid},
		{"2024-13", "", CodeDateInvalid},
		{"0-2024", "", CodeDateInvalid},
		{"2024-01-00", "", CodeDateInvalid},
		{"1849", "", CodeDateRange},
		{"2201-01-01", "", CodeDateRange},
		{"0000", "", CodeDateRange},
		{"1-5-24", "", CodeDateFormat},
		{"24", "", CodeDateFormat},
		{"20240501", "", CodeDateFormat},
		{"2024-05-01-01", "", CodeDateFormat},
		{"1-5/2024", "", CodeDateFormat},
		{"2024--01", "", CodeDateFormat},
		{"2024-", "", CodeDateFormat},
		{"-2024", "", CodeDateFormat},
		{"2024-001", "", CodeDateFormat},
		{"001-5-2024", "", CodeDateFormat},
		{"mei 2024", "", CodeDateFormat},
		{"2024-05-01T00:00", "", CodeDateFormat},
		{"", "", CodeDateFormat},
		{"٢٠٢٤", "", CodeDateFormat}, // Arabic-Indic digits
	} {
		got, err := NormalizeDate(tc.in)
		check(t, "NormalizeDate", tc.in, got, err, tc.want, tc.code)
	}
}

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		code Code
	}{
		{"1234,56", 123456, ""},
		{"1234.56", 123456, ""},
		{"1.234,56", 123456, ""},
		{"1,234.56", 123456, ""},
		{"€ 1.234,56", 123456, ""},
		{"€1234,56", 123456, ""},
		{"1234,56 €", 123456, ""},
		{"EUR 12", 1200, ""},
		{"12 eur", 1200, ""},
		{"-12,5", -1250, ""},
		{"−12,5", -1250, ""}, // U+2212 minus sign
		{"-€ 12,50", -1250, ""},
		{"€ -12,50", -1250, ""},
		{"12", 1200, ""},
		{"0", 0, ""},
		{"-0", 0, ""},
		{"0,1", 10, ""},
		{"0,05", 5, ""},
		{",5", 50, ""},
		{"007", 700, ""},
		{"1.234", 123400, ""}, // three digits after one separator: thousands
		{"1,234", 123400, ""},
		{"12.345.678", 1234567800, ""},
		{"1.234.567,89", 123456789, ""},
		{"1 234,56", 123456, ""},
		{"1\u00a0234,56", 123456, ""}, // no-break space
		{"1\u202f234", 123400, ""},    // narrow no-break space
		{"12,-", 1200, ""},
		{"1.234,-", 123400, ""},
		{"12,--", 1200, ""},
		{"9.999.999.999.999,99", MaxCents, ""},
		{"-9999999999999,99", -MaxCents, ""},
		{"10000000000000", 0, CodeMoneyRange},
		{"99999999999999999999999", 0, CodeMoneyRange},
		{"1234,567", 0, CodeMoneyFormat},
		{"12,3456", 0, CodeMoneyFormat},
		{"1.234.56", 0, CodeMoneyFormat},
		{"1,234,56", 0, CodeMoneyFormat},
		{"1.234,567", 0, CodeMoneyFormat},
		{"1,23,456", 0, CodeMoneyFormat},
		{"12.34.567", 0, CodeMoneyFormat},
		{"1.2345", 0, CodeMoneyFormat},
		{"0.123", 0, CodeMoneyFormat},
		{"1,234,-", 0, CodeMoneyFormat},
		{"1,5,-", 0, CodeMoneyFormat},
		{"1.234 567", 0, CodeMoneyFormat},
		{"12 5", 0, CodeMoneyFormat},
		{"1  234", 0, CodeMoneyFormat},
		{"12,", 0, CodeMoneyFormat},
		{",", 0, CodeMoneyFormat},
		{"", 0, CodeMoneyFormat},
		{"-", 0, CodeMoneyFormat},
		{"€", 0, CodeMoneyFormat},
		{"--12", 0, CodeMoneyFormat},
		{"+12", 0, CodeMoneyFormat},
		{"12-", 0, CodeMoneyFormat},
		{"€ 12 €", 0, CodeMoneyFormat},
		{"$12", 0, CodeMoneyFormat},
		{"12e3", 0, CodeMoneyFormat},
		{"twaalf", 0, CodeMoneyFormat},
		{"0x10", 0, CodeMoneyFormat},
	} {
		got, err := ParseMoney(tc.in)
		if tc.code != "" {
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Code != tc.code {
				t.Errorf("ParseMoney(%q) = %d, %v; want error %s", tc.in, got, err, tc.code)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestFormatMoney(t *testing.T) {
	for _, tc := range []struct {
		in   int64
		want string
	}{
		{0, "0,00"},
		{5, "0,05"},
		{-5, "-0,05"},
		{10, "0,10"},
		{123456, "1.234,56"},
		{-123456, "-1.234,56"},
		{100000, "1.000,00"},
		{99999, "999,99"},
		{123456789, "1.234.567,89"},
		{MaxCents, "9.999.999.999.999,99"},
		{-9223372036854775808, "-92.233.720.368.547.758,08"},
		{9223372036854775807, "92.233.720.368.547.758,07"},
	} {
		if got := FormatMoney(tc.in); got != tc.want {
			t.Errorf("FormatMoney(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFieldNormalizeTypes(t *testing.T) {
	phone := &Field{ID: "p", Type: Phone}
	email := &Field{ID: "e", Type: Email}
	doc := &Field{ID: "d", Type: DocRef}
	num := &Field{ID: "n", Type: Number}
	txt := &Field{ID: "t", Type: Text}
	long := &Field{ID: "l", Type: LongText}
	ch := &Field{ID: "c", Type: Choice, Choices: []string{"yes", "no"}}
	money := &Field{ID: "m", Type: Money}
	for _, tc := range []struct {
		f        *Field
		in, want string
		code     Code
	}{
		{phone, "06-12345678", "0612345678", ""},
		{phone, "06 1234 5678", "0612345678", ""},
		{phone, "(020) 123 45 67", "0201234567", ""},
		{phone, "+31 6 12345678", "+31612345678", ""},
		{phone, "+31 (0)6 12345678", "+31612345678", ""},
		{phone, "+31 06 12345678", "+31612345678", ""},
		{phone, "0031 6 12345678", "+31612345678", ""},
		{phone, "+212 612-345678", "+212612345678", ""},
		{phone, "+44 20 7946 0958", "+442079460958", ""},
		{phone, "+49 (0)30 1234567", "+49301234567", ""},
		{phone, "112", "", CodePhoneFormat},
		{phone, "+0612345678", "", CodePhoneFormat},
		{phone, "0000612345678", "", CodePhoneFormat},
		{phone, "06123456789012345", "", CodePhoneFormat},
		{phone, "06 1234 567a", "", CodePhoneFormat},
		{phone, "06+12345678", "", CodePhoneFormat},
		{phone, "++31612345678", "", CodePhoneFormat},
		{email, "Jan.Jansen@Example.NL", "Jan.Jansen@example.nl", ""},
		{email, " a@b.nl ", "a@b.nl", ""},
		{email, "fatima@gemeente-zwolle.nl", "fatima@gemeente-zwolle.nl", ""},
		{email, "jan@bücher.de", "jan@bücher.de", ""},
		{email, "jan@example", "", CodeEmailFormat},
		{email, "@example.nl", "", CodeEmailFormat},
		{email, "jan@@example.nl", "", CodeEmailFormat},
		{email, "jan@example..nl", "", CodeEmailFormat},
		{email, "jan@.example.nl", "", CodeEmailFormat},
		{email, "jan@example.nl.", "", CodeEmailFormat},
		{email, "jan jansen@example.nl", "", CodeEmailFormat},
		{email, "jan@exa mple.nl", "", CodeEmailFormat},
		{email, "jan@-example.nl", "", CodeEmailFormat},
		{email, "jan@example.123", "", CodeEmailFormat},
		{email, "<jan@example.nl>", "", CodeEmailFormat},
		{email, "jan@example_site.nl", "", CodeEmailFormat},
		{doc, "3F2504E0-4F89-41D3-9A0C-0305E82C3301", "3f2504e0-4f89-41d3-9a0c-0305e82c3301", ""},
		{doc, "3f2504e04f8941d39a0c0305e82c3301", "3f2504e0-4f89-41d3-9a0c-0305e82c3301", ""},
		{doc, "00000000-0000-0000-0000-000000000000", "", CodeDocumentFormat},
		{doc, "3f2504e0-4f89-41d3-9a0c-0305e82c330", "", CodeDocumentFormat},
		{doc, "3f2504e0-4f89-41d3-9a0c-0305e82c330g", "", CodeDocumentFormat},
		{doc, "3f2504e04-f89-41d3-9a0c-0305e82c3301", "", CodeDocumentFormat},
		{doc, "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}", "", CodeDocumentFormat},
		{num, "12", "12", ""},
		{num, "007", "7", ""},
		{num, "0", "0", ""},
		{num, "000", "0", ""},
		{num, "999999999999999", "999999999999999", ""},
		{num, "1000000000000000", "", CodeNumberFormat},
		{num, "99999999999999999999", "", CodeNumberFormat},
		{num, "-1", "", CodeNumberFormat},
		{num, "1,5", "", CodeNumberFormat},
		{num, "12a", "", CodeNumberFormat},
		{num, "1 000", "", CodeNumberFormat},
		{txt, "  Jansen ", "Jansen", ""},
		{txt, "Jansen\n", "Jansen", ""},
		{txt, "Ölçer-Đặng 李", "Ölçer-Đặng 李", ""},
		{txt, strings.Repeat("é", MaxTextRunes), strings.Repeat("é", MaxTextRunes), ""},
		{txt, strings.Repeat("é", MaxTextRunes+1), "", CodeTextTooLong},
		{txt, "Jan\nJansen", "", CodeTextControl},
		{txt, "Jan\tJansen", "", CodeTextControl},
		{txt, "Jan\x00", "", CodeTextControl},
		{txt, "abc\u202edef", "", CodeTextControl},
		{txt, "abc\u2028def", "", CodeTextControl},
		{txt, "\xff\xfe", "", CodeTextControl},
		{long, "eerste regel\r\ntweede\rderde\n", "eerste regel\ntweede\nderde", ""},
		{long, "\tingesprongen\n\tregel", "ingesprongen\n\tregel", ""},
		{long, strings.Repeat("a", MaxLongTextRunes), strings.Repeat("a", MaxLongTextRunes), ""},
		{long, strings.Repeat("a", MaxLongTextRunes+1), "", CodeTextTooLong},
		{long, "bel\x07", "", CodeTextControl},
		{long, "a\u2066b", "", CodeTextControl},
		{txt, "Jan\u200bJansen", "", CodeTextControl},
		{txt, "Jan\u00adsen", "", CodeTextControl},
		{long, "a\u200fb", "", CodeTextControl},
		{long, "a\ufeffb", "", CodeTextControl},
		{long, "abc\u2028def", "abc\u2028def", ""},                                                                        // a line separator is a line break in a multi-line field
		{txt, "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", ""}, // Persian needs the non-joiner
		{long, "a\ufffab", "", CodeTextControl},
		{ch, "yes", "yes", ""},
		{ch, " no ", "no", ""},
		{ch, "Yes", "", CodeChoiceUnknown},
		{ch, "maybe", "", CodeChoiceUnknown},
		{money, "€ 1.234,56", "123456", ""},
		{money, "-0,05", "-5", ""},
		{money, "1.2.3", "", CodeMoneyFormat},
		{&Field{ID: "x", Type: "colour"}, "red", "", CodeUnknownType},
	} {
		got, err := tc.f.Normalize(tc.in)
		check(t, string(tc.f.Type), tc.in, got, err, tc.want, tc.code)
	}
}

func TestNormalizeEmpty(t *testing.T) {
	for _, typ := range Types() {
		opt := &Field{ID: "x", Type: typ}
		req := &Field{ID: "x", Type: typ, Required: true}
		for _, in := range []string{"", "   ", "\n\t"} {
			if got, err := opt.Normalize(in); got != "" || err != nil {
				t.Errorf("%s optional Normalize(%q) = %q, %v", typ, in, got, err)
			}
			_, err := req.Normalize(in)
			if !errors.Is(err, &ValueError{Code: CodeRequired}) {
				t.Errorf("%s required Normalize(%q) error = %v, want required", typ, in, err)
			}
		}
	}
}
