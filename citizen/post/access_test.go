package post

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/vault"
)

func statement(t *testing.T, org *bundle.OrgIdentity, bundleID string, issued time.Time, entries ...wire.AccessEntry) string {
	t.Helper()
	b, err := wire.SignAccess(org, &wire.Access{BundleID: bundleID, Org: org.Card().Org, Fingerprint: org.Card().Fingerprint(),
		Issued: issued.UTC().Truncate(time.Second), Entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func entry(seq uint64, action string) wire.AccessEntry {
	return wire.AccessEntry{Seq: seq, Hash: strings.Repeat("0", 63) + string(rune('a'+seq%6)),
		At: time.Date(2026, 12, 5, 10, int(seq), 0, 0, time.UTC), Role: wire.RoleCaseworker, Actor: "medewerker 7KQ2",
		Action: action, Purpose: "Schuldhulp"}
}

// Who looked at my data: statements are kept per share, each later one
// must repeat the earlier; one that drops an entry marks the chain broken
// and the kept account stays.
func TestAccessStatementsPerShare(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	card := desk.keep(v)
	id, _ := makeShare(t, v, card, "Z-1")
	ctx := context.Background()
	if _, err := Access(v, id); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("no statement yet: %v", err)
	}
	t0 := time.Now().Add(-time.Hour)
	desk.access = []string{statement(t, desk.org, id, t0, entry(1, "import"), entry(4, "view"))}
	got, err := Fetch(ctx, v)
	if err != nil || len(got.Access) != 1 || got.Access[0].New != 2 || got.Access[0].Broken {
		t.Fatalf("first: %+v %v", got, err)
	}
	e := logHas(t, v, ActionAccessReceived)
	if !strings.Contains(e.Detail, "medewerker 7KQ2 view") {
		t.Errorf("log detail %q", e.Detail)
	}
	// The same again: nothing new.
	if got, _ := Fetch(ctx, v); len(got.Access) != 0 {
		t.Fatalf("again: %+v", got.Access)
	}
	desk.access = []string{statement(t, desk.org, id, t0.Add(time.Minute), entry(1, "import"), entry(4, "view"), entry(9, "download"))}
	if got, _ := Fetch(ctx, v); len(got.Access) != 1 || got.Access[0].New != 1 {
		t.Fatalf("longer: %+v", got.Access)
	}
	// An entry left out: broken, once; the kept account stays whole.
	desk.access = []string{statement(t, desk.org, id, t0.Add(2*time.Minute), entry(1, "import"), entry(9, "download"))}
	if got, _ := Fetch(ctx, v); len(got.Access) != 1 || !got.Access[0].Broken {
		t.Fatalf("dropped: %+v", got.Access)
	}
	if got, _ := Fetch(ctx, v); len(got.Access) != 0 {
		t.Fatalf("broken twice: %+v", got.Access)
	}
	rec, err := Access(v, id)
	if err != nil || rec.Broken == nil || len(rec.Entries) != 3 {
		t.Fatalf("kept %+v %v", rec, err)
	}
	logHas(t, v, ActionAccessBroken)
	// About a share this vault does not have, or signed by another: refused.
	imp, _ := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, time.Now().Add(-time.Hour))
	desk.access = []string{statement(t, desk.org, "6f1c2a4e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", t0, entry(1, "view")),
		statement(t, imp, id, t0.Add(time.Hour), entry(1, "import"), entry(4, "view"), entry(9, "download"), entry(10, "view"))}
	if got, _ := Fetch(ctx, v); got.Refused != 2 || len(got.Access) != 0 {
		t.Fatalf("refused: %+v", got)
	}
}
