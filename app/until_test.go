package app

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"kluis/citizen/delegation"
)

// inAmsterdam runs the rest of the test with the computer's time zone set
// to Europe/Amsterdam, where the date someone types is meant.
func inAmsterdam(t *testing.T) *time.Location {
	t.Helper()
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	old := time.Local
	time.Local = ams
	t.Cleanup(func() { time.Local = old })
	return ams
}

// TestGrantShowsTheChosenDay: access given "tot en met 04-12-2027" ends at
// midnight after that day (as a certificate's valid_until is meant), and
// every place shows 4 December, not the 5th.
func TestGrantShowsTheChosenDay(t *testing.T) {
	ams := inAmsterdam(t)
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	u.deps.Now = func() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, ams) }
	son := newHelperVault(t)
	p := openPeople(t, u)
	tap(t, w, "Iemand toegang geven")
	g := p.lastGrant
	g.onCode(son.code)
	g.cats["debts"].SetChecked(true)
	g.checked.SetChecked(true)
	g.until.SetText("04-12-2027")
	tap(t, w, "Toegang geven")
	mustSee(t, w, "Youssef heeft nu toegang tot en met 4 dec. 2027.")
	mustSee(t, w, "Geldig tot 4 dec. 2027")
	mustNotSee(t, w, "5 dec. 2027")
	ds, err := delegation.Delegations(u.vault(), u.deps.Now())
	if err != nil || len(ds) != 1 {
		t.Fatalf("grants: %v, %v", ds, err)
	}
	if end := ds[0].Cert.ValidUntil; !end.Equal(time.Date(2027, 12, 5, 0, 0, 0, 0, ams)) {
		t.Errorf("valid until %v, want the midnight after 4 December", end)
	}
}

// TestShareExpiryShowsTheChosenDay: a share until a chosen day is valid to
// the end of that day, also on a day the clocks change, and the wizard and
// the overview show that day.
func TestShareExpiryShowsTheChosenDay(t *testing.T) {
	inAmsterdam(t)
	for _, tc := range []struct{ typed, shown string }{
		{"04-12-2027", "4 dec. 2027"},
		{"28-03-2027", "28 mrt. 2027"}, // 23 hours long in Amsterdam
	} {
		f := newShareFixture(t)
		u, w := f.u, f.w
		u.shell.select_("shares")
		tap(t, w, "Nieuwe deling")
		wiz := currentWizard(t, u)
		wiz.to.radio.SetSelected("Geen kaart: deel met een code")
		tap(t, w, "Volgende")
		test.Tap(check(t, w, "Schulden (1)"))
		tap(t, w, "Volgende")
		wiz.until.radio.SetSelected("Tot een datum die ik kies")
		test.Type(wiz.until.dateEntry, tc.typed)
		mustSee(t, w, "Geldig tot "+tc.shown+" 23:59")
		tap(t, w, "Volgende")
		test.Type(wiz.why.purposeE, "Kwijtschelding")
		tap(t, w, "Volgende")
		mustSee(t, w, tc.shown+" 23:59")
		tap(t, w, "Deling maken")
		tap(t, w, "Klaar")
		dialogButton(t, w, "Ja").OnTapped()
		currentShares(t, u)
		mustSee(t, w, "Geldig tot "+tc.shown)
	}
}

// TestFormatUntil: an end at midnight is shown as the day before, the last
// day it covers; any other end as its own day.
func TestFormatUntil(t *testing.T) {
	ams := inAmsterdam(t)
	newTestUI(t)
	for _, tc := range []struct {
		end       time.Time
		day, full string
	}{
		{time.Date(2027, 12, 5, 0, 0, 0, 0, ams), "4 dec. 2027", "4 dec. 2027"},
		{time.Date(2027, 12, 4, 23, 59, 59, 0, ams), "4 dec. 2027", "4 dec. 2027 23:59"},
		{time.Date(2027, 12, 4, 10, 0, 0, 0, ams), "4 dec. 2027", "4 dec. 2027 10:00"},
	} {
		if got := formatUntilDay(tc.end); got != tc.day {
			t.Errorf("formatUntilDay(%v) = %q, want %q", tc.end, got, tc.day)
		}
		if got := formatUntil(tc.end); got != tc.full {
			t.Errorf("formatUntil(%v) = %q, want %q", tc.end, got, tc.full)
		}
	}
}
