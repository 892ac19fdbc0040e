// Command fillvault makes a vault filled with many made-up records, for
// measuring the app and the CLI with a realistic amount of data.
//
//	go run ./scripts/fillvault -vault PATH -passphrase-file FILE [-n 10000] [-keepass-xml FILE]
//
// The records are spread over four categories (debts, income, network,
// costs), all with valid values, added in one transaction. Each record is
// added once: the vault holds no earlier versions.
//
// With -keepass-xml it also writes the same records as a KeePass 2 XML
// file, one entry each (title: the creditor, source, name or payee;
// user name: the category; every field also as a "key: value" line in
// the notes), for `keepassxc-cli import` (scripts/bench-compare.sh).
//
// A release build creates the vault with the release KDF (scrypt 2^18). Its
// test binary (go test -c ./scripts/fillvault, run with FILLVAULT_BE_MAIN=1)
// uses the test KDF (2^10), which the CLIs' test binaries open cheaply.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"

	"kluis/vault"
)

func main() {
	path := flag.String("vault", "", "the vault file to create (must not exist)")
	passFile := flag.String("passphrase-file", "", "file holding the passphrase")
	n := flag.Int("n", 10_000, "how many records")
	keepass := flag.String("keepass-xml", "", "also write the records to this KeePass 2 XML file")
	flag.Parse()
	if *path == "" || *passFile == "" {
		flag.Usage()
		os.Exit(2)
	}
	pass, err := os.ReadFile(*passFile)
	if err != nil {
		log.Fatal(err)
	}
	pass = bytes.TrimSuffix(pass, []byte("\n"))
	v, _, err := vault.Create(*path, pass, "Meting", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	items := make([]vault.NewRecord, *n)
	for i := range items {
		switch i % 4 {
		case 0:
			items[i] = vault.NewRecord{Category: "debts", Fields: map[string]string{"creditor": fmt.Sprintf("Schuldeiser %d", i), "amount": "1.234,56", "status": "open", "reference": fmt.Sprintf("REF-%06d", i)}}
		case 1:
			items[i] = vault.NewRecord{Category: "income", Fields: map[string]string{"source": fmt.Sprintf("Werkgever %d", i), "kind": "salary", "amount": "2100", "period": "month", "iban": "NL91ABNA0417164300"}}
		case 2:
			items[i] = vault.NewRecord{Category: "network", Fields: map[string]string{"name": fmt.Sprintf("Buurvrouw %d", i), "phone": "0612345678", "can_help_with": "boodschappen en post"}}
		default:
			items[i] = vault.NewRecord{Category: "costs", Fields: map[string]string{"kind": "energy", "payee": fmt.Sprintf("Energie %d", i), "amount": "145", "period": "month"}}
		}
	}
	if _, err := v.AddMany(items); err != nil {
		log.Fatal(err)
	}
	if *keepass != "" {
		if err := writeKeePassXML(*keepass, items); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("%d records in %s\n", *n, *path)
}

// The parts of a KeePass 2 XML file that keepassxc-cli import needs.
type (
	keePassFile struct {
		XMLName xml.Name `xml:"KeePassFile"`
		Meta    struct {
			Generator    string
			DatabaseName string
		}
		Root struct {
			Group keePassGroup
		}
	}
	keePassGroup struct {
		UUID    string
		Name    string
		Entries []keePassEntry `xml:"Entry"`
	}
	keePassEntry struct {
		UUID    string
		Strings []keePassString `xml:"String"`
	}
	keePassString struct {
		Key   string
		Value string
	}
)

// keePassUUID is a made-up but unique entry UUID: 16 bytes, base64.
func keePassUUID(n uint64) string {
	var b [16]byte
	copy(b[:8], "fillvlt!")
	binary.BigEndian.PutUint64(b[8:], n)
	return base64.StdEncoding.EncodeToString(b[:])
}

// titleField is the field a record's title comes from, per category.
var titleField = map[string]string{"debts": "creditor", "income": "source", "network": "name", "costs": "payee"}

// writeKeePassXML writes items as the entries of one group.
func writeKeePassXML(path string, items []vault.NewRecord) error {
	var kf keePassFile
	kf.Meta.Generator = "kluis scripts/fillvault"
	kf.Meta.DatabaseName = "Meting"
	kf.Root.Group = keePassGroup{UUID: keePassUUID(0), Name: "Meting"}
	for i, it := range items {
		keys := make([]string, 0, len(it.Fields))
		for k := range it.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var notes bytes.Buffer
		for _, k := range keys {
			fmt.Fprintf(&notes, "%s: %s\n", k, it.Fields[k])
		}
		kf.Root.Group.Entries = append(kf.Root.Group.Entries, keePassEntry{
			UUID: keePassUUID(uint64(i) + 1),
			Strings: []keePassString{
				{"Title", it.Fields[titleField[it.Category]]},
				{"UserName", it.Category},
				{"Notes", notes.String()},
			},
		})
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	w.WriteString(xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(kf); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
