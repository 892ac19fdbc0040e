package app

import "testing"

// TestCountsInTheRightForm: texts that count say one thing in the singular
// and 0 and 2 in the plural, through Fyne's translations as the screens
// use them.
func TestCountsInTheRightForm(t *testing.T) {
	newTestUI(t)
	for _, tc := range []struct {
		got, want string
	}{
		{tn("app.shares.records", 0, nil), "0 gegevens"},
		{tn("app.shares.records", 1, nil), "1 gegeven"},
		{tn("app.shares.records", 2, nil), "2 gegevens"},
		{tn("app.shares.documents", 1, nil), "1 document"},
		{tn("app.wizard.preview_more", 1, nil), "En nog 1 gegeven."},
		{tn("app.activity.intact", 1, nil), "Het logboek is compleet en niet veranderd (1 regel gecontroleerd)."},
		{tn("app.documents.partly", 1, map[string]any{"Total": 3}), "1 van de 3 bestanden is wel toegevoegd."},
		{tn("app.documents.partly", 2, map[string]any{"Total": 3}), "2 van de 3 bestanden zijn wel toegevoegd."},
		{autoLockLabel(1), "Na 1 minuut"},
		{autoLockLabel(5), "Na 5 minuten"},
		{countText(0), "0 keer ingevuld"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
}
