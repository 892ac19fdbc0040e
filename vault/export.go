package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"time"

	"kluis/internal/filename"
	"kluis/sync/schema"
)

// ExportFormat names the layout written by Export.
const ExportFormat = "kluis-export/v1"

// Export writes the whole vault as open files into dir, which must not
// exist yet or be empty, so the owner can read their data without Kluis,
// now and in twenty years:
//
//	vault.json          every record with its typed values and all earlier
//	                    versions, the documents' metadata, and the schema
//	activity-log.json   the activity log with its hash chain
//	documents/ID/NAME   each document's content, under its name made fit
//	                    for every system (internal/filename: no ":" or
//	                    "?", no CON or NUL, no trailing dot or space)
//	LEESMIJ.txt         what these files are (Dutch and English)
//
// This is plaintext: the caller must warn the person that it is not
// protected. On failure the partial export is removed.
func (v *Vault) Export(ctx context.Context, dir string) (err error) {
	if v.Locked() {
		return ErrLocked
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%w: %s is not empty", ErrExists, dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return diskError(err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
			err = diskError(err)
		}
	}()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()

	doc, err := v.exportDocument()
	if err != nil {
		return err
	}
	if err := writeJSON(root, "vault.json", doc); err != nil {
		return err
	}
	events, err := v.Log()
	if err != nil {
		return err
	}
	if err := writeJSON(root, "activity-log.json", events); err != nil {
		return err
	}
	if err := root.Mkdir("documents", 0o700); err != nil {
		return err
	}
	for _, d := range doc.Documents {
		if err := root.Mkdir(path.Join("documents", d.ID), 0o700); err != nil {
			return err
		}
		f, err := root.OpenFile(d.File, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		_, err = v.ReadDocument(ctx, d.ID, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if err := writeFile(root, "LEESMIJ.txt", []byte(exportReadme)); err != nil {
		return err
	}
	return v.update(func(t *txn) error { return t.log(Event{Action: ActionVaultExported}) })
}

type exportFile struct {
	Format    string             `json:"format"`
	Exported  time.Time          `json:"exported"`
	Owner     Author             `json:"owner"`
	Records   []exportRecord     `json:"records"`
	Documents []exportDoc        `json:"documents"`
	Schema    []*schema.Category `json:"schema"`
}

type exportRecord struct {
	ID       string         `json:"id"`
	Category string         `json:"category"`
	Version  uint64         `json:"version"`
	Created  time.Time      `json:"created"`
	Modified time.Time      `json:"modified"`
	Author   Author         `json:"author"`
	Deleted  bool           `json:"deleted"`
	Fields   map[string]any `json:"fields"`
	History  []exportRecord `json:"history,omitempty"`
}

type exportDoc struct {
	Document
	File string `json:"file"`
}

func (v *Vault) exportDocument() (*exportFile, error) {
	out := &exportFile{Format: ExportFormat, Exported: v.now().UTC(), Owner: v.Author(), Schema: schema.Categories()}
	out.Records = []exportRecord{}
	err := v.view(func(t *txn) error {
		return t.each(func(r Record) error {
			out.Records = append(out.Records, typedRecord(r))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	for i := range out.Records {
		hist, err := v.History(out.Records[i].ID)
		if err != nil {
			return nil, err
		}
		for _, h := range hist[:len(hist)-1] {
			out.Records[i].History = append(out.Records[i].History, typedRecord(h))
		}
	}
	out.Documents = []exportDoc{}
	for _, deleted := range []bool{false, true} {
		docs, err := v.Documents(deleted)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			out.Documents = append(out.Documents, exportDoc{Document: d, File: path.Join("documents", d.ID, filename.Safe(d.Name))})
		}
	}
	return out, nil
}

func typedRecord(r Record) exportRecord {
	e := exportRecord{ID: r.ID, Category: r.Category, Version: r.Version, Created: r.Created.Time(),
		Modified: r.Modified.Time(), Author: r.Author, Deleted: r.Deleted, Fields: map[string]any{}}
	cat, _ := schema.Lookup(r.Category)
	for k, val := range r.Fields {
		if cat != nil {
			if f, ok := cat.Field(k); ok {
				e.Fields[k] = f.JSONValue(val)
				continue
			}
		}
		e.Fields[k] = val
	}
	return e
}

func writeJSON(root *os.Root, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(root, name, append(b, '\n'))
}

func writeFile(root *os.Root, name string, b []byte) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

const exportReadme = `Dit is een export van een Kluis: al uw gegevens, niet versleuteld.
Bewaar deze map op een veilige plek of verwijder hem als u hem niet meer nodig hebt.

  vault.json          al uw gegevens per categorie, met eerdere versies
  activity-log.json   wat er wanneer met uw kluis is gebeurd
  documents/          uw documenten, elk in een map met zijn id

This is an export of a Kluis vault: all your data, NOT encrypted.
Keep this folder somewhere safe, or delete it when you no longer need it.

  vault.json          all records by category, with earlier versions
  activity-log.json   what happened to the vault, and when
  documents/          your documents, each in a folder named by its id
`
