package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"kluis/sync/hlc"
	"kluis/sync/schema"
)

func TestRecordLifecycle(t *testing.T) {
	v, _ := newTestVault(t)
	rec, err := v.Add("income", map[string]string{
		"source": "Albert Heijn", "kind": "salary", "amount": "1.234,56", "period": "month", "iban": "nl91 abna 0417 1643 00",
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Fields["amount"] != "123456" || rec.Fields["iban"] != "NL91ABNA0417164300" {
		t.Fatalf("values not in canonical form: %v", rec.Fields)
	}
	if rec.Version != 1 || rec.Author.Person != "Fatima" || rec.Author.Device == "" || rec.Modified == 0 {
		t.Fatalf("version metadata: %+v", rec)
	}

	upd, err := v.Update(rec.ID, map[string]string{"amount": "1300", "iban": ""})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Version != 2 || upd.Fields["amount"] != "130000" || upd.Fields["iban"] != "" {
		t.Fatalf("after update: %+v", upd)
	}
	if upd.Stamps["amount"] <= rec.Stamps["amount"] || upd.Stamps["source"] != rec.Stamps["source"] {
		t.Fatalf("stamps: changed fields must get a new stamp, others keep theirs: %v → %v", rec.Stamps, upd.Stamps)
	}
	if _, ok := upd.Stamps["iban"]; !ok {
		t.Fatal("a cleared field must keep a stamp so sync can tell it was cleared")
	}
	// Editing another field leaves stored values as they were: money is
	// kept in cents and must not be read as euros again.
	other, err := v.Update(rec.ID, map[string]string{"note": "via uitzendbureau"})
	if err != nil || other.Fields["amount"] != "130000" || other.Version != 3 {
		t.Fatalf("amount after editing another field: %+v %v", other.Fields, err)
	}
	if _, err := v.Update(rec.ID, map[string]string{"note": ""}); err != nil {
		t.Fatal(err)
	}
	same, err := v.Update(rec.ID, map[string]string{"amount": "1300,00"})
	if err != nil || same.Version != 4 {
		t.Fatalf("an update that changes nothing made version %d (%v)", same.Version, err)
	}

	hist, err := v.History(rec.ID)
	if err != nil || len(hist) != 4 || hist[0].Fields["amount"] != "123456" || hist[1].Version != 2 {
		t.Fatalf("history: %+v %v", hist, err)
	}
	rev, err := v.Revert(rec.ID, 1)
	if err != nil || rev.Version != 5 || rev.Fields["iban"] != "NL91ABNA0417164300" {
		t.Fatalf("revert: %+v %v", rev, err)
	}

	if err := v.Delete(rec.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, v.Delete(rec.ID), ErrDeleted)
	_, err = v.Update(rec.ID, map[string]string{"amount": "1"})
	wantErr(t, err, ErrDeleted)
	if l, _ := v.List("income"); len(l) != 0 {
		t.Fatalf("deleted record still listed: %v", l)
	}
	if bin, _ := v.RecycleBin(); len(bin) != 1 || bin[0].ID != rec.ID {
		t.Fatalf("recycle bin: %v", bin)
	}
	if err := v.Restore(rec.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, v.Restore(rec.ID), ErrNotDeleted)
	if l, _ := v.List("income"); len(l) != 1 {
		t.Fatalf("restored record not listed: %v", l)
	}
	hist, _ = v.History(rec.ID)
	if len(hist) != 7 {
		t.Fatalf("want 7 versions (add, 3 updates, revert, delete, restore), got %d", len(hist))
	}

	// All of it survives closing and reopening.
	v2 := reopen(t, v)
	got, err := v2.Get(rec.ID)
	if err != nil || got.Version != 7 || got.Fields["source"] != "Albert Heijn" {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
	if n, err := v2.VerifyLog(); err != nil || n < 6 {
		t.Fatalf("log: %d entries, %v", n, err)
	}
}

func TestInvalidInputNamesTheField(t *testing.T) {
	v, _ := newTestVault(t)
	cases := []struct {
		cat    string
		fields map[string]string
		field  string
		code   schema.Code
	}{
		{"personal", map[string]string{"surname": "Jansen", "bsn": "123456789"}, "bsn", "bsn.checksum"},
		{"personal", map[string]string{"surname": "Jansen", "iban": "NL91ABNA0417164301"}, "iban", "iban.checksum"},
		{"income", map[string]string{"source": "UWV", "amount": "12,3x"}, "amount", "money.format"},
		{"housing", map[string]string{"postcode": "0123 AB"}, "postcode", "postcode.format"},
		{"personal", map[string]string{"surname": "Jansen", "birth_date": "2023-02-29"}, "birth_date", ""},
		{"personal", map[string]string{"surname": "Jansen", "shoe_size": "44"}, "shoe_size", "unknown_field"},
		{"income", map[string]string{"source": "UWV"}, "amount", "required"},
		{"pets", map[string]string{"name": "Rex"}, "", "unknown_category"},
	}
	for _, c := range cases {
		_, err := v.Add(c.cat, c.fields)
		var fe *schema.FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s %v: error %v is not a *schema.FieldError", c.cat, c.fields, err)
			continue
		}
		if fe.Field != c.field || (c.code != "" && fe.Code != c.code) {
			t.Errorf("%s %v: got field %q code %q, want %q %q", c.cat, c.fields, fe.Field, fe.Code, c.field, c.code)
		}
	}
	if n, _ := v.Counts(); len(n) != 0 {
		t.Fatalf("invalid input stored something: %v", n)
	}
}

func TestSearchAndCounts(t *testing.T) {
	v, _ := newTestVault(t)
	_, err := v.AddMany([]NewRecord{
		{"debts", map[string]string{"creditor": "Belastingdienst", "amount": "450", "status": "open"}},
		{"debts", map[string]string{"creditor": "Café De Hoek", "amount": "80,50", "reference": "DH-2291"}},
		{"network", map[string]string{"name": "Zoë van der Berg", "relation": "zus"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{
		"belasting": 1, "CAFE": 1, "zoe berg": 1, "dh-2291": 1, "80,50": 1, "debts": 2, "nothing-here": 0, "": 0,
	} {
		got, err := v.Search(q)
		if err != nil || len(got) != want {
			t.Errorf("Search(%q) = %d records (%v), want %d", q, len(got), err, want)
		}
	}
	counts, _ := v.Counts()
	if counts["debts"] != 2 || counts["network"] != 1 {
		t.Fatalf("counts: %v", counts)
	}
}

func TestSearchDocumentsByName(t *testing.T) {
	v, _ := newTestVault(t)
	add := func(name string) Document {
		d, err := v.AddDocument(context.Background(), name, strings.NewReader("x"), DocumentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	pay := add("Loonstrook_maart_2024.pdf")
	add("Beschikking zorgtoeslag.pdf")
	gone := add("loonstrook-februari.pdf")
	v.DeleteDocument(gone.ID)
	for q, want := range map[string][]string{
		"loonstrook":       {pay.ID},
		"LOONSTROOK maart": {pay.ID},
		"maart 2024.pdf":   {pay.ID},
		"Zorgtoeslag":      {"Beschikking zorgtoeslag.pdf"},
		"februari":         nil, // in the recycle bin
		"juni":             nil,
		"  ":               nil,
	} {
		got, err := v.SearchDocuments(q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range got {
			if want != nil && want[0] == d.Name {
				ids = append(ids, d.Name)
			} else {
				ids = append(ids, d.ID)
			}
		}
		if !slices.Equal(ids, want) {
			t.Errorf("SearchDocuments(%q) = %v, want %v", q, ids, want)
		}
	}
	// Accents are ignored as in Search.
	add("Brief café.pdf")
	if got, _ := v.SearchDocuments("cafe"); len(got) != 1 {
		t.Errorf("SearchDocuments(cafe) = %v", got)
	}
}

func TestAddManyIsAllOrNothing(t *testing.T) {
	v, _ := newTestVault(t)
	_, err := v.AddMany([]NewRecord{
		{"goals", map[string]string{"title": "ok"}},
		{"goals", map[string]string{"title": "ok", "target_date": "not a date"}},
	})
	if err == nil {
		t.Fatal("want an error")
	}
	if n, _ := v.Counts(); n["goals"] != 0 {
		t.Fatal("half of a failed batch was stored")
	}
}

func TestValueMovedBetweenKeysIsRejected(t *testing.T) {
	v, path := newTestVault(t)
	a, _ := v.Add("goals", map[string]string{"title": "A"})
	b, _ := v.Add("goals", map[string]string{"title": "B"})
	v.Close()
	rawUpdate(t, path, func(tx *bolt.Tx) error {
		recs := tx.Bucket(bucketRecords)
		return recs.Put(mustID(b.ID), bytes.Clone(recs.Get(mustID(a.ID))))
	})
	v2, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	if err := v2.Unlock([]byte(testPass)); err != nil {
		t.Fatal(err)
	}
	if _, err := v2.Get(a.ID); err != nil {
		t.Fatalf("the untouched record: %v", err)
	}
	_, err = v2.Get(b.ID)
	wantErr(t, err, ErrDamaged)
	_, err = v2.List("")
	wantErr(t, err, ErrDamaged)
}

func TestRecordCodecRoundTrip(t *testing.T) {
	r := Record{
		ID: "2b1f0c1e-8d7a-4e5b-9c3d-1a2b3c4d5e6f", Category: "debts",
		Fields:  map[string]string{"creditor": "CJIB", "amount": "10000"},
		Version: 7, Created: hlc.New(1000, 1), Modified: hlc.New(2000, 0),
		Author: Author{Person: "Fatima", Device: "dev"}, Deleted: true,
		Stamps: map[string]hlc.Timestamp{"creditor": hlc.New(1000, 1), "amount": hlc.New(2000, 0), "note": hlc.New(1500, 0)},
	}
	b, err := marshalRecord(&r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := unmarshalRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := marshalRecord(&got)
	if !bytes.Equal(b, b2) || got.ID != r.ID || got.Fields["amount"] != "10000" || got.Stamps["note"] != hlc.New(1500, 0) || !got.Deleted {
		t.Fatalf("round trip changed the record: %+v", got)
	}
	for i := range b {
		if _, err := unmarshalRecord(b[:i]); err == nil {
			t.Fatalf("a record cut at byte %d decoded", i)
		}
	}
	if _, err := unmarshalRecord(append(bytes.Clone(b), 0)); err == nil {
		t.Fatal("a record with a trailing byte decoded")
	}
}

// FuzzRecordDecode: decoding never panics, and whatever decodes marshals
// back to exactly the same bytes (one encoding per record).
func FuzzRecordDecode(f *testing.F) {
	r := Record{ID: "2b1f0c1e-8d7a-4e5b-9c3d-1a2b3c4d5e6f", Category: "income",
		Fields: map[string]string{"source": "UWV", "amount": "99"}, Version: 1,
		Stamps: map[string]hlc.Timestamp{"source": 5, "amount": 5, "iban": 9}}
	b, _ := marshalRecord(&r)
	f.Add(b)
	tomb := Record{ID: r.ID, Category: "income", Version: 2, Modified: 9, Deleted: true, DeletedAt: 9, Purged: true,
		Author: Author{Person: "Fatima", Device: "d"}}
	b, _ = marshalRecord(&tomb)
	f.Add(b)
	f.Add([]byte{'R', 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		rec, err := unmarshalRecord(in)
		if err != nil {
			return
		}
		out, err := marshalRecord(&rec)
		if err != nil {
			t.Fatalf("decoded record does not marshal: %v", err)
		}
		if !bytes.Equal(in, out) {
			t.Fatalf("not canonical:\n in  %x\n out %x", in, out)
		}
	})
}

func TestRevertRefusesARecordInTheBin(t *testing.T) {
	v, _ := newTestVault(t)
	r, _ := v.Add("goals", map[string]string{"title": "een"})
	v.Update(r.ID, map[string]string{"title": "twee"})
	v.Delete(r.ID)
	_, err := v.Revert(r.ID, 1)
	wantErr(t, err, ErrDeleted)
}

// TestCareEndBeforeStart: care help cannot end before it started, when
// added or when either date is changed later; nothing is written.
func TestCareEndBeforeStart(t *testing.T) {
	v, _ := newTestVault(t)
	if _, err := v.Add("care", map[string]string{"provider": "Wijkteam", "since": "1-5-2024", "until": "1-4-2024"}); !errors.Is(err, &schema.ValueError{Code: schema.CodeDateBeforeStart}) {
		t.Fatalf("Add: %v", err)
	}
	r, err := v.Add("care", map[string]string{"provider": "Wijkteam", "since": "1-5-2024", "until": "1-6-2024"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Update(r.ID, map[string]string{"since": "1-7-2024"}); !errors.Is(err, &schema.ValueError{Code: schema.CodeDateBeforeStart}) {
		t.Fatalf("Update of the start: %v", err)
	}
	if _, err := v.Update(r.ID, map[string]string{"until": "30-4-2024"}); !errors.Is(err, &schema.ValueError{Code: schema.CodeDateBeforeStart}) {
		t.Fatalf("Update of the end: %v", err)
	}
	if got, _ := v.Get(r.ID); got.Version != 1 || got.Fields["until"] != "2024-06-01" {
		t.Fatalf("a refused change was written: %+v", got)
	}
}

// Records added in one go fill bbolt's pages (the log's whole, the
// records' to 90 %) and the file grows in small steps: 20,000 debts take
// 1,045 bytes each on disk. Split at half full and grown in 64 MiB steps,
// the same file took 1,677 bytes a record.
func TestManyRecordsStaySmallOnDisk(t *testing.T) {
	t.Parallel()
	v, path := newTestVault(t)
	const n = 20_000
	items := make([]NewRecord, n)
	for i := range items {
		items[i] = NewRecord{Category: "debts", Fields: map[string]string{
			"creditor": fmt.Sprintf("Schuldeiser %d", i), "amount": "1.234,56", "status": "open", "reference": fmt.Sprintf("REF-%06d", i)}}
	}
	if _, err := v.AddMany(items); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if per := fi.Size() / n; per > 1200 {
		t.Errorf("%d records take %d bytes on disk, %d a record; want at most 1,200", n, fi.Size(), per)
	}
	checkFile(t, path)
}
