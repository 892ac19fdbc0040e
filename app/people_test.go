package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kluis/citizen/delegation"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kluis/sync/delegate"
	"kluis/vault"
)

// helperVault is the son's own vault, driven through the delegate package.
type helperVault struct {
	v    *vault.Vault
	code string
}

func newHelperVault(t *testing.T) *helperVault {
	t.Helper()
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "son.kluis"), []byte("molen sneeuw thee herfst"), "Youssef", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	code, err := delegation.NewContact(v, "Youssef", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &helperVault{v: v, code: code}
}

func (h *helperVault) sync(t *testing.T, dir string) *delegation.Result {
	t.Helper()
	res, err := (&delegation.Syncer{Vault: h.v}).Sync(dir)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func openPeople(t *testing.T, u *UI) *peoplePage {
	t.Helper()
	u.shell.select_("people")
	p, ok := u.shell.current.(*peoplePage)
	if !ok {
		t.Fatalf("the people page is not shown (%T)", u.shell.current)
	}
	return p
}

// The mother gives her son access through the page, syncs through a
// folder they share, sees what he added (marked as his) and revokes him.
func TestPeoplePageGrantSyncRevoke(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	mother := u.vault()
	if _, err := mother.Add("debts", map[string]string{"creditor": "CJIB", "amount": "90"}); err != nil {
		t.Fatal(err)
	}
	son := newHelperVault(t)
	folder := t.TempDir()

	p := openPeople(t, u)
	mustSee(t, w, "Uw contactcode")
	mustSee(t, w, "Wie helpt u?")
	mustSee(t, w, "Nog niemand")
	if !strings.HasPrefix(p.code, delegate.ContactPrefix) {
		t.Fatalf("contact code shown = %q", p.code)
	}
	own, _ := delegate.ParseContact(p.code)
	if p.fingerprint.Text != delegate.ReadAloud(own.Fingerprint()) {
		t.Errorf("read-aloud digits = %q", p.fingerprint.Text)
	}
	test.Tap(p.copyCode)
	if got := u.app.Clipboard().Content(); got != p.code {
		t.Errorf("clipboard holds %q", got)
	}

	// The son trusts her code (what he would do on his own page).
	mc, _ := delegate.ParseContact(p.code)
	if err := delegation.Pin(son.v, mc, p.code); err != nil {
		t.Fatal(err)
	}

	// Giving access: a bad code is refused in words, then his code.
	tap(t, w, "Iemand toegang geven")
	g := p.lastGrant
	g.onCode("kluis:contact/v1/niet-goed")
	mustSee(t, w, "geen geldige Kluis-contactcode")
	g.onCode(p.code)
	mustSee(t, w, "eigen contactcode")
	g.onCode(son.code)
	sc, _ := delegate.ParseContact(son.code)
	mustSee(t, w, delegate.ReadAloud(sc.Fingerprint()))
	mustSee(t, w, "geen machtiging")
	// Without the check nothing is granted.
	g.cats["debts"].SetChecked(true)
	tap(t, w, "Toegang geven")
	mustSee(t, w, "Controleer eerst de cijfers")
	g.checked.SetChecked(true)
	g.role.SetSelected("Beheren")
	g.until.SetText("gisteren")
	tap(t, w, "Toegang geven")
	mustSee(t, w, "hele datum")
	g.until.SetText(time.Now().AddDate(1, 0, 0).Format("02-01-2006"))
	tap(t, w, "Toegang geven")
	mustSee(t, w, "Youssef heeft nu toegang")
	mustSee(t, w, "Beheren · Schulden")
	mustSee(t, w, "Status: open")
	mustSee(t, w, "Laatst gesynchroniseerd: nog nooit")

	// The sync folder, then sync now.
	if p.syncNow.Disabled() == false {
		t.Error("sync now is enabled before a folder was chosen")
	}
	p.onFolderChosen(filepath.Join(folder, "bestaat-niet"))
	mustSee(t, w, "bestaat niet")
	p.onFolderChosen(folder)
	mustSee(t, w, "Gedeelde map: "+folder)
	if u.app.Preferences().String(prefSyncFolder) != folder {
		t.Error("the folder is not remembered")
	}
	tap(t, w, "Nu synchroniseren")
	mustSee(t, w, "Verstuurd naar Youssef. Gegevens: 1, documenten: 0.")

	// He adds a debt and a letter in the replica and syncs back.
	son.sync(t, folder)
	ms, _ := delegation.ManagedVaults(son.v)
	m := ms[own.Fingerprint()]
	if m == nil {
		t.Fatal("the son does not manage her vault")
	}
	rv, err := delegation.OpenReplica(son.v, m)
	if err != nil {
		t.Fatal(err)
	}
	debt, err := rv.Add("debts", map[string]string{"creditor": "Belastingdienst", "amount": "250"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rv.AddDocument(context.Background(), "brief.pdf", strings.NewReader("%PDF brief"), vault.DocumentOptions{Record: debt.ID}); err != nil {
		t.Fatal(err)
	}
	rv.Close()
	son.sync(t, folder)

	tap(t, w, "Nu synchroniseren")
	mustSee(t, w, "Van Youssef. Nieuw: 1, veranderd: 0, documenten: 1.")
	mustSee(t, w, "Gedaan door Youssef.")
	if r, err := mother.Get(debt.ID); err != nil || r.Author.Person != "Youssef" {
		t.Fatalf("his debt at the mother: %+v, %v", r, err)
	}
	if screenHas(w, "Laatst gesynchroniseerd: nog nooit") {
		t.Error("the last sync is not shown after syncing")
	}

	// Revoke, confirmed; his next pack is refused, in words.
	tap(t, w, "Intrekken")
	mustSee(t, w, "Toegang intrekken?")
	p.lastRevoke()
	mustSee(t, w, "Status: ingetrokken op")
	rv, _ = delegation.OpenReplica(son.v, m)
	rv.Update(debt.ID, map[string]string{"amount": "300"})
	rv.Close()
	son.sync(t, folder)
	tap(t, w, "Nu synchroniseren")
	mustSee(t, w, "Geweigerd van Youssef: de toegang is ingetrokken.")
}

// The son's side: he adds his mother's code on the page, syncs, and sees
// her vault among the vaults he helps with, with its counts.
func TestPeoplePageHelperSide(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	folder := t.TempDir()
	u.app.Preferences().SetString(prefSyncFolder, folder)

	// The mother, driven through the delegate package.
	mv, _, err := vault.Create(filepath.Join(t.TempDir(), "mother.kluis"), []byte("molen sneeuw thee herfst"), "Fatima", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mv.Close()
	mcode, _ := delegation.NewContact(mv, "Fatima", time.Now())
	mc, _ := delegate.ParseContact(mcode)
	mv.Add("income", map[string]string{"source": "AOW", "amount": "1400"})
	mv.Add("goals", map[string]string{"title": "Papieren op orde"})

	p := openPeople(t, u)
	mustSee(t, w, "U helpt nog bij geen andere kluis.")
	sc, _ := delegate.ParseContact(p.code)
	if _, err := delegation.GrantTo(mv, delegate.Grant{Owner: delegate.PartyOf(mc), Delegate: delegate.PartyOf(sc), Role: delegate.RoleView,
		Categories: []string{"income"}, ValidFrom: time.Now().Add(-time.Minute), ValidUntil: time.Now().AddDate(1, 0, 0)}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := (&delegation.Syncer{Vault: mv}).Sync(folder); err != nil {
		t.Fatal(err)
	}

	// Her code, from a file she sent.
	codeFile := filepath.Join(t.TempDir(), "fatima.txt")
	os.WriteFile(codeFile, []byte(mcode+"\n"), 0o600)
	tap(t, w, "Contactcode toevoegen…")
	p.lastPin.onCodeFile(codeFile)
	mustSee(t, w, delegate.ReadAloud(mc.Fingerprint()))
	p.lastPin.checked.SetChecked(true)
	tap(t, w, "Code toevoegen")
	mustSee(t, w, "De code van Fatima is toegevoegd.")

	tap(t, w, "Nu synchroniseren")
	mustSee(t, w, "Kluis van Fatima. Nieuw: 1")
	mustSee(t, w, "Bekijken · Inkomen")
	mustSee(t, w, "Aantal gegevens: 1 (Inkomen 1)")

	// He opens her vault in the same window: her data, a banner saying
	// whose it is, no sharing or settings there, and view-only means view.
	tap(t, w, "Kluis van Fatima openen")
	mustSee(t, w, "U kijkt mee in de kluis van Fatima")
	mustSee(t, w, "Inkomen (1)")
	if screenHas(w, "Instellingen") || screenHas(w, "Delen") {
		t.Fatal("sharing or settings offered inside someone else's vault")
	}
	openCategory(t, u, "income")
	tap(t, w, "Toevoegen")
	typeInto(t, currentForm(t, u), "source", "Pensioenfonds")
	typeInto(t, currentForm(t, u), "amount", "300")
	tap(t, w, "Opslaan")
	mustSee(t, w, "U mag in deze kluis alleen kijken")
	if n, _ := u.vault().Counts(); n["income"] != 1 {
		t.Fatalf("a view-only helper changed the vault: %v", n)
	}
	// Back home, through the unsaved-changes question.
	tap(t, w, "Terug naar mijn kluis")
	tap(t, w, "Niet opslaan")
	if u.session.home != nil || u.vault() == nil {
		t.Fatal("not back in his own vault")
	}
	mustSee(t, w, "Instellingen")
	// Locking while helping closes her vault and locks his.
	tap(t, w, "Kluis van Fatima openen")
	tap(t, w, "Vergrendelen")
	if u.session.home != nil || !u.session.v.Locked() {
		t.Fatal("locking while helping did not come back to his own, locked vault")
	}
}

// A helper with two grants from one owner sees both on the people page,
// each with its own role and parts.
func TestPeoplePageHelperWithTwoGrants(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	folder := t.TempDir()
	u.app.Preferences().SetString(prefSyncFolder, folder)
	mv, _, err := vault.Create(filepath.Join(t.TempDir(), "mother.kluis"), []byte("molen sneeuw thee herfst"), "Fatima", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mv.Close()
	mcode, _ := delegation.NewContact(mv, "Fatima", time.Now())
	mc, _ := delegate.ParseContact(mcode)
	mv.Add("income", map[string]string{"source": "AOW", "amount": "1400"})
	mv.Add("goals", map[string]string{"title": "Papieren op orde"})

	p := openPeople(t, u)
	sc, _ := delegate.ParseContact(p.code)
	for _, g := range []struct {
		role string
		cats []string
	}{{delegate.RoleView, []string{"income"}}, {delegate.RoleManage, []string{"goals"}}} {
		if _, err := delegation.GrantTo(mv, delegate.Grant{Owner: delegate.PartyOf(mc), Delegate: delegate.PartyOf(sc), Role: g.role,
			Categories: g.cats, ValidFrom: time.Now().Add(-time.Minute), ValidUntil: time.Now().AddDate(1, 0, 0)}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := (&delegation.Syncer{Vault: mv}).Sync(folder); err != nil {
		t.Fatal(err)
	}
	if err := delegation.Pin(u.vault(), mc, mcode); err != nil {
		t.Fatal(err)
	}
	tap(t, w, "Nu synchroniseren")
	mustSee(t, w, "Bekijken · Inkomen")
	mustSee(t, w, "Beheren · Doelen")
	mustSee(t, w, "Aantal gegevens: 2 (Inkomen 1, Doelen 1)")

	// In her vault he may change goals, but income only view: his copy
	// refuses, in words.
	tap(t, w, "Kluis van Fatima openen")
	openCategory(t, u, "income")
	tap(t, w, "Toevoegen")
	typeInto(t, currentForm(t, u), "source", "Pensioenfonds")
	typeInto(t, currentForm(t, u), "amount", "300")
	tap(t, w, "Opslaan")
	mustSee(t, w, "Fatima gaf u voor Inkomen alleen toestemming om mee te kijken")
	if n, _ := u.vault().Counts(); n["income"] != 1 {
		t.Fatalf("a change outside his grants was kept: %v", n)
	}
}

// TestGrantWithoutCheckSaysWhy: "Toegang geven" without the digits ticked
// grants nothing and says so where it is seen, above the buttons, not at
// the end of choices that are longer than the dialog.
func TestGrantWithoutCheckSaysWhy(t *testing.T) {
	u, w := newTestUI(t)
	createVault(t, u, w, "molen sneeuw thee herfst")
	son := newHelperVault(t)
	p := openPeople(t, u)
	tap(t, w, "Iemand toegang geven")
	g := p.lastGrant
	g.onCode(son.code)
	g.cats["debts"].SetChecked(true)
	tap(t, w, "Toegang geven")
	const msg = "Controleer eerst de cijfers aan de telefoon en zet dan het vinkje."
	mustSee(t, w, msg)
	if scrolled, found := inScroll(w, msg); !found || scrolled {
		t.Errorf("the message is not shown outside the scrolling part (found %v, in a scroll %v)", found, scrolled)
	}
	if ds, _ := delegation.Delegations(u.vault(), time.Now()); len(ds) != 0 {
		t.Fatalf("granted without the check: %+v", ds)
	}
	// Ticking takes the message away; a bad date says so in the same place.
	g.checked.SetChecked(true)
	mustNotSee(t, w, msg)
	g.until.SetText("gisteren")
	tap(t, w, "Toegang geven")
	if scrolled, found := inScroll(w, "Vul een hele datum in, zoals 31-12-2026."); !found || scrolled {
		t.Errorf("the date message is not shown outside the scrolling part (found %v, in a scroll %v)", found, scrolled)
	}
}

// inScroll finds the visible label with text and tells whether it sits
// inside a scroll container, where it may be out of sight.
func inScroll(w fyne.Window, text string) (scrolled, found bool) {
	var rec func(o fyne.CanvasObject, inside bool)
	rec = func(o fyne.CanvasObject, inside bool) {
		if o == nil || !o.Visible() || found {
			return
		}
		if l, ok := o.(*widget.Label); ok && l.Text == text {
			scrolled, found = inside, true
			return
		}
		if _, ok := o.(*container.Scroll); ok {
			inside = true
		}
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				rec(c, inside)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				rec(c, inside)
			}
		}
	}
	rec(w.Canvas().Content(), false)
	for _, o := range w.Canvas().Overlays().List() {
		rec(o, false)
	}
	return scrolled, found
}
