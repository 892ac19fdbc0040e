package bundle

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/schema/records.schema.json and the test vectors")

const schemaPath = "../../docs/schema/records.schema.json"

// TestRecordsSchemaFile keeps the published JSON Schema equal to what the
// code generates. Run with -update after changing the vault's schema.
func TestRecordsSchemaFile(t *testing.T) {
	b, err := json.MarshalIndent(RecordsJSONSchema(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.WriteFile(schemaPath, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(schemaPath)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("%s is out of date (%v): run go test ./sync/bundle -run TestRecordsSchemaFile -update", schemaPath, err)
	}
}
