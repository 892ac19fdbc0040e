package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"kluis/intake/tally"

	bolt "go.etcd.io/bbolt"

	"kluis/sync/index"
)

// saveIndex defines and keeps an index of w's organisation for period
// (as index.ParsePeriod reads it).
func (w *world) saveIndex(period string) *index.Parsed {
	w.t.Helper()
	per, err := index.ParsePeriod(period)
	if err != nil {
		w.t.Fatal(err)
	}
	file, err := index.New(w.org, index.Fields{
		Title: "Jongerenindex " + period, Purpose: "Zien wat jongeren in de wijk helpt.", Period: per,
		Wijken: []index.Wijk{
			{Name: "Assendorp", Postcodes: []index.Range{{From: 8011, To: 8012}}},
			{Name: "Holtenbroek", Postcodes: []index.Range{{From: 8031, To: 8034}}},
		},
		Questions: []index.Question{
			{ID: "schulden", Text: "Heeft u schulden die nog open staan?", Kind: index.KindYesNo, Answers: index.AnswersOf(index.KindYesNo)},
			{ID: "veilig", Text: "Hoe veilig voelt u zich in uw wijk?", Kind: index.KindScale, Answers: index.AnswersOf(index.KindScale)},
		},
	}, w.clock.now())
	if err != nil {
		w.t.Fatal(err)
	}
	p, err := w.store.SaveIndex(file)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

// donation makes a donation by donor to p, and returns it with the
// donor's pseudonym.
func donation(t *testing.T, p *index.Parsed, donor *citizen, wijk string, answers ...index.Answer) ([]byte, string) {
	t.Helper()
	ps, err := index.Pseudonym(donor, p.Definition.ID, p.Definition.Period.Name)
	if err != nil {
		t.Fatal(err)
	}
	file, err := index.NewDonation(p, &index.Donation{Pseudonym: ps, Wijk: wijk, Answers: answers})
	if err != nil {
		t.Fatal(err)
	}
	return file, ps
}

// donateMany imports donations of n fresh donors into p, the first of whom
// then donates again (a replacement). It returns the donors and their
// pseudonyms.
func (w *world) donateMany(p *index.Parsed, n int) ([]*citizen, []string) {
	w.t.Helper()
	var donors []*citizen
	var pseudonyms []string
	for i := 0; i < n; i++ {
		donor := newCitizen(w.t)
		file, ps := donation(w.t, p, donor, []string{"Assendorp", "Holtenbroek"}[i%2],
			index.Answer{Question: "schulden", Answer: []string{"ja", "nee", "nee"}[i%3]},
			index.Answer{Question: "veilig", Answer: fmt.Sprint(1 + i%5)})
		if res, err := w.store.ImportDonation(file); err != nil || res.Outcome != tally.Added {
			w.t.Fatalf("donation %d: %+v, %v", i, res, err)
		}
		donors, pseudonyms = append(donors, donor), append(pseudonyms, ps)
	}
	file, _ := donation(w.t, p, donors[0], "Holtenbroek", index.Answer{Question: "veilig", Answer: "5"})
	if res, err := w.store.ImportDonation(file); err != nil || res.Outcome != tally.Replaced {
		w.t.Fatalf("second donation: %+v, %v", res, err)
	}
	return donors, pseudonyms
}

// storedTally returns the sealed bytes of an index's tally as they are in
// the file, and the tally they hold.
func (w *world) storedTally(p *index.Parsed) ([]byte, *tally.Tally) {
	w.t.Helper()
	key, _ := idKey(p.Definition.ID)
	var sealed []byte
	var t *tally.Tally
	err := w.store.db.View(func(tx *bolt.Tx) error {
		sealed = bytes.Clone(tx.Bucket(bucketTallies).Get(key))
		var err error
		t, err = w.store.tally(tx, key)
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return sealed, t
}

func (w *world) storeFile() []byte {
	w.t.Helper()
	db, err := os.ReadFile(w.store.Path())
	if err != nil {
		w.t.Fatal(err)
	}
	return db
}

func closesAt(t *testing.T, p *index.Parsed) time.Time {
	t.Helper()
	at, err := tally.ClosesAt(p.Definition.Period)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// TestPurgeClosesTallies is the "Done when" of closing: purge closes only
// the tally whose period and grace are over; afterwards the store's file
// holds none of the pseudonyms and none of the sealed tally values that
// held them (not even in free pages), the opened tally has no
// per-pseudonym entry, the report is the same as before and counts the
// same donors, closing again changes nothing, and a later donation is
// refused and changes nothing.
func TestPurgeClosesTallies(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	q1 := w.saveIndex("2026-Q1") // closes 2026-04-15 00:00 UTC
	q2 := w.saveIndex("2026-Q2") // closes 2026-07-15 00:00 UTC
	if got := closesAt(t, q1); !got.Equal(time.Date(2026, 4, 15, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("2026-Q1 closes at %v", got)
	}

	var donors []*citizen
	var pseudonyms []string
	var versions [][]byte // every version of q1's sealed tally since the last compaction
	give := func(i int) {
		t.Helper()
		donor := newCitizen(t)
		file, ps := donation(t, q1, donor, []string{"Assendorp", "Holtenbroek"}[i%2],
			index.Answer{Question: "schulden", Answer: []string{"ja", "nee"}[i%2]}, index.Answer{Question: "veilig", Answer: fmt.Sprint(1 + i%5)})
		if res, err := w.store.ImportDonation(file); err != nil || res.Outcome != tally.Added {
			t.Fatalf("donation %d: %+v, %v", i, res, err)
		}
		sealed, _ := w.storedTally(q1)
		versions = append(versions, sealed)
		donors, pseudonyms = append(donors, donor), append(pseudonyms, ps)
	}
	for i := 0; i < 6; i++ {
		give(i)
	}
	w.donateMany(q2, 3)

	// A second before the grace is over: purge closes nothing (and
	// compacts, which drops the versions so far from free pages).
	w.clock.set(closesAt(t, q1).Add(-time.Second))
	if p, err := w.store.Purge(); err != nil || len(p) != 0 {
		t.Fatalf("purge before the grace is over: %+v, %v", p, err)
	}
	if _, tl := w.storedTally(q1); tl.Closed || len(tl.Donors) != 6 {
		t.Fatalf("before the grace is over: closed %v, %d entries", tl.Closed, len(tl.Donors))
	}

	// Late donations within the grace still count; each rewrites the
	// sealed tally, and bbolt may leave older versions in free pages.
	versions = nil
	for i := 6; i < 46; i++ {
		give(i)
	}
	file, _ := donation(t, q1, donors[0], "Holtenbroek", index.Answer{Question: "veilig", Answer: "5"})
	if res, err := w.store.ImportDonation(file); err != nil || res.Outcome != tally.Replaced {
		t.Fatalf("second donation: %+v, %v", res, err)
	}
	sealed, _ := w.storedTally(q1)
	versions = append(versions, sealed)
	before, n, err := w.store.IndexReport(q1.Definition.ID, 3)
	if err != nil || n != 46 {
		t.Fatalf("report before closing: %d donors, %v", n, err)
	}
	// The scan below must be able to see what it looks for. The live
	// value is several pages long; without the compaction, closing would
	// leave most of it in free pages.
	db := w.storeFile()
	if !bytes.Contains(db, versions[len(versions)-1]) {
		t.Fatal("the store file does not hold the live sealed tally")
	}
	old := 0
	for _, v := range versions[:len(versions)-1] {
		if bytes.Contains(db, v[25:89]) {
			old++
		}
	}
	t.Logf("%d of %d old versions of the sealed tally are in free pages before closing", old, len(versions)-1)

	// The moment itself: q1 is closed, q2 is not.
	w.clock.set(closesAt(t, q1))
	p, err := w.store.Purge()
	if err != nil {
		t.Fatal(err)
	}
	want := []Purged{{ID: q1.Definition.ID, Reason: ReasonClosed, Period: "2026-Q1", Donations: 46}}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("purge: %+v, want %+v", p, want)
	}
	db = w.storeFile()
	for i, ps := range pseudonyms {
		if bytes.Contains(db, []byte(ps)) {
			t.Errorf("the store file holds donor %d's pseudonym", i)
		}
	}
	for i, v := range versions {
		if len(v) < 100 {
			t.Fatalf("sealed tally version %d is only %d bytes", i, len(v))
		}
		for _, needle := range [][]byte{v, v[1:25], v[25:89], v[len(v)-64:]} {
			if bytes.Contains(db, needle) {
				t.Errorf("the store file still holds (part of) version %d of the sealed tally", i)
			}
		}
	}
	closedSealed, tl := w.storedTally(q1)
	if !tl.Closed || len(tl.Donors) != 0 || tl.Donations() != 46 {
		t.Fatalf("closed tally: closed %v, %d entries, %d donations", tl.Closed, len(tl.Donors), tl.Donations())
	}
	plain, err := w.store.open(bucketTallies, mustKey(t, q1), closedSealed)
	if err != nil {
		t.Fatal(err)
	}
	for i, ps := range pseudonyms {
		if bytes.Contains(plain, []byte(ps)) {
			t.Errorf("the closed tally holds donor %d's pseudonym", i)
		}
	}
	if _, other := w.storedTally(q2); other.Closed || len(other.Donors) != 3 {
		t.Errorf("the tally still in its period was closed: %v, %d entries", other.Closed, len(other.Donors))
	}

	after, n, err := w.store.IndexReport(q1.Definition.ID, 3)
	if err != nil || n != 46 || !reflect.DeepEqual(before, after) {
		t.Fatalf("report after closing: %d donors, %v; same as before: %v", n, err, reflect.DeepEqual(before, after))
	}

	// Closing again changes nothing.
	if p, err := w.store.Purge(); err != nil || len(p) != 0 {
		t.Fatalf("second purge: %+v, %v", p, err)
	}
	if again, _ := w.storedTally(q1); !bytes.Equal(again, closedSealed) {
		t.Error("a second purge rewrote the closed tally")
	}
	if p, err := w.store.CloseTallies(); err != nil || len(p) != 0 {
		t.Fatalf("CloseTallies on a closed tally: %+v, %v", p, err)
	}

	// Donations after closing are refused and store nothing: a new donor,
	// a replay and a replacement.
	newFile, _ := donation(t, q1, newCitizen(t), "Assendorp", index.Answer{Question: "schulden", Answer: "ja"})
	replacement, _ := donation(t, q1, donors[3], "Assendorp", index.Answer{Question: "schulden", Answer: "ja"})
	for name, f := range map[string][]byte{"new donor": newFile, "replay": file, "replacement": replacement} {
		state := w.state()
		if res, err := w.store.ImportDonation(f); index.CodeOf(err) != index.CodeClosed {
			t.Errorf("%s after closing: %+v, %v; want refused with %s", name, res, err, index.CodeClosed)
		}
		if w.state() != state {
			t.Errorf("a refused %s changed the store", name)
		}
	}
	if again, _ := w.storedTally(q1); !bytes.Equal(again, closedSealed) {
		t.Error("a refused donation rewrote the closed tally")
	}
	// The other index still takes donations.
	more, _ := donation(t, q2, newCitizen(t), "Assendorp", index.Answer{Question: "veilig", Answer: "2"})
	if res, err := w.store.ImportDonation(more); err != nil || res.Outcome != tally.Added {
		t.Errorf("donation to the open index: %+v, %v", res, err)
	}
}

func mustKey(t *testing.T, p *index.Parsed) []byte {
	t.Helper()
	key, err := idKey(p.Definition.ID)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestImportAndReportCloseFirst: without a purge, a donation or a report
// after the moment closes the tally first (and compacts), a donation just
// before it is still counted, and one after it is refused.
func TestImportAndReportCloseFirst(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"import", "report"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			p := w.saveIndex("2026-Q1")
			_, pseudonyms := w.donateMany(p, 5)
			at := closesAt(t, p)

			// A late donation within the grace still counts.
			w.clock.set(at.Add(-time.Minute))
			late, _ := donation(t, p, newCitizen(t), "Assendorp", index.Answer{Question: "schulden", Answer: "nee"})
			if res, err := w.store.ImportDonation(late); err != nil || res.Outcome != tally.Added {
				t.Fatalf("late donation within the grace: %+v, %v", res, err)
			}
			before, n, err := w.store.IndexReport("", 3)
			if err != nil || n != 6 {
				t.Fatalf("report: %d donors, %v", n, err)
			}
			open, tl := w.storedTally(p)
			if tl.Closed {
				t.Fatal("closed before the moment")
			}

			w.clock.set(at.Add(time.Hour))
			switch how {
			case "import":
				after, _ := donation(t, p, newCitizen(t), "Assendorp", index.Answer{Question: "schulden", Answer: "ja"})
				if _, err := w.store.ImportDonation(after); index.CodeOf(err) != index.CodeClosed {
					t.Fatalf("donation after the moment: %v", err)
				}
			case "report":
				after, n, err := w.store.IndexReport("", 3)
				if err != nil || n != 6 || !reflect.DeepEqual(before, after) {
					t.Fatalf("report after the moment: %d donors, %v", n, err)
				}
			}
			_, tl = w.storedTally(p)
			if !tl.Closed || len(tl.Donors) != 0 || tl.Donations() != 6 {
				t.Fatalf("%s did not close the tally: closed %v, %d entries", how, tl.Closed, len(tl.Donors))
			}
			db := w.storeFile()
			if bytes.Contains(db, open) || bytes.Contains(db, open[25:89]) {
				t.Error("the open tally's sealed value survives in the store file")
			}
			for _, ps := range pseudonyms {
				if bytes.Contains(db, []byte(ps)) {
					t.Error("the store file holds a pseudonym")
				}
			}
		})
	}
}

// TestOldTallyLoads: a tally stored by a Kluis from before closing
// existed (no "closed" member) is an open tally: it still replaces, it
// reports, and purge closes it.
func TestOldTallyLoads(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.saveIndex("2026-Q1")
	donor := newCitizen(t)
	first, ps := donation(t, p, donor, "Assendorp", index.Answer{Question: "schulden", Answer: "ja"})
	old := fmt.Sprintf(`{"counts":{"Assendorp\u0000schulden\u0000ja":1,"Holtenbroek\u0000veilig\u00004":1},`+
		`"donors":{%q:{"wijk":"Assendorp","answers":[{"question":"schulden","answer":"ja"}]},`+
		`"%064x":{"wijk":"Holtenbroek","answers":[{"question":"veilig","answer":"4"}]}}}`, ps, 7)
	if err := w.store.db.Update(func(tx *bolt.Tx) error {
		return w.store.put(tx, bucketTallies, mustKey(t, p), []byte(old))
	}); err != nil {
		t.Fatal(err)
	}
	if _, n, err := w.store.IndexReport("", 3); err != nil || n != 2 {
		t.Fatalf("report of an old tally: %d donors, %v", n, err)
	}
	if res, err := w.store.ImportDonation(first); err != nil || res.Outcome != tally.Same {
		t.Fatalf("replay into an old tally: %+v, %v", res, err)
	}
	second, _ := donation(t, p, donor, "Holtenbroek", index.Answer{Question: "schulden", Answer: "nee"})
	if res, err := w.store.ImportDonation(second); err != nil || res.Outcome != tally.Replaced {
		t.Fatalf("replacement in an old tally: %+v, %v", res, err)
	}
	w.clock.set(closesAt(t, p))
	if got, err := w.store.Purge(); err != nil || len(got) != 1 || got[0].Donations != 2 {
		t.Fatalf("purge of an old tally: %+v, %v", got, err)
	}
	want := map[string]int{tally.CellKey("Holtenbroek", "veilig", "4"): 1, tally.CellKey("Holtenbroek", "schulden", "nee"): 1}
	if _, tl := w.storedTally(p); !tl.Closed || len(tl.Donors) != 0 || !reflect.DeepEqual(tl.Counts, want) {
		t.Fatalf("old tally after purge: %+v", tl)
	}
}

// TestClosedTallyWithEntriesIsDamage: a closed tally that still holds
// entries is a state Kluis never writes, so it reads as damage.
func TestClosedTallyWithEntriesIsDamage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.saveIndex("2026-Q1")
	bad, _ := json.Marshal(&tally.Tally{Counts: map[string]int{}, Donors: map[string]tally.Entry{fmt.Sprintf("%064x", 1): {Wijk: "Assendorp"}}, Closed: true, Counted: 1})
	if err := w.store.db.Update(func(tx *bolt.Tx) error {
		return w.store.put(tx, bucketTallies, mustKey(t, p), bad)
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.store.IndexReport("", 3); !errors.Is(err, ErrDamaged) {
		t.Errorf("report of an inconsistent tally: %v", err)
	}
}

// TestIndexWithoutDonationsCloses: an index nobody donated to is closed
// too, so a donation arriving later is refused like any other.
func TestIndexWithoutDonationsCloses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.saveIndex("2026-Q1")
	w.clock.set(closesAt(t, p).AddDate(0, 1, 0))
	got, err := w.store.Purge()
	if err != nil || len(got) != 1 || got[0].Reason != ReasonClosed || got[0].Donations != 0 {
		t.Fatalf("purge: %+v, %v", got, err)
	}
	late, _ := donation(t, p, newCitizen(t), "Assendorp", index.Answer{Question: "schulden", Answer: "ja"})
	if _, err := w.store.ImportDonation(late); index.CodeOf(err) != index.CodeClosed {
		t.Errorf("donation to a closed empty index: %v", err)
	}
	if r, n, err := w.store.IndexReport("", 3); err != nil || n != 0 || len(r.Tables) != 2 {
		t.Errorf("report of a closed empty index: %d donors, %v", n, err)
	}
}
