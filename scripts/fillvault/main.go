// Command fillvault makes a vault filled with many made-up records, for
// measuring the app and the CLI with a realistic amount of data.
//
//	go run ./scripts/fillvault -vault PATH -passphrase-file FILE [-n 10000]
//
// The records are spread over four categories (debts, income, network,
// costs), all with valid values, added in one transaction.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"

	"kluis/vault"
)

func main() {
	path := flag.String("vault", "", "the vault file to create (must not exist)")
	passFile := flag.String("passphrase-file", "", "file holding the passphrase")
	n := flag.Int("n", 10_000, "how many records")
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
	fmt.Printf("%d records in %s\n", *n, *path)
}
