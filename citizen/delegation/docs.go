package delegation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"kluis/sync/delegate"
	"kluis/sync/hlc"
	"kluis/sync/schema"
	"kluis/vault"
)

func packDocument(d vault.Document) delegate.PackDocument {
	return delegate.PackDocument{ID: d.ID, Name: d.Name, MediaType: d.MediaType, Size: d.Size, SHA256: d.SHA256,
		Record: d.Record, Added: d.Added, Modified: d.Modified, Author: d.Author, Deleted: d.Deleted, Purged: d.Purged}
}

func vaultDocument(d delegate.PackDocument) vault.Document {
	return vault.Document{ID: d.ID, Name: d.Name, MediaType: d.MediaType, Size: d.Size, SHA256: d.SHA256,
		Record: d.Record, Added: d.Added, Modified: d.Modified, Author: d.Author, Deleted: d.Deleted, Purged: d.Purged}
}

// coversAll reports whether covers holds for every category of the
// schema: only then may documents linked to no record travel under it.
func coversAll(covers func(string) bool) bool {
	for _, cat := range schema.Categories() {
		if !covers(cat.ID) {
			return false
		}
	}
	return true
}

// docInScope reports whether a document linked to record (in v) is in a
// scope: the record's category is covered or, for a document linked to no
// record, every category is. A record deleted for good still has its
// category.
func docInScope(v *vault.Vault, covers func(string) bool, record string) (bool, error) {
	if record == "" {
		return coversAll(covers), nil
	}
	cat, err := v.RecordCategory(record)
	if errors.Is(err, vault.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return covers(cat), nil
}

// docsInScope returns the documents of v changed after since that are in
// scope (all of them when covers is nil), and the latest change among all
// of them.
func docsInScope(v *vault.Vault, covers func(string) bool, since hlc.Timestamp) ([]delegate.PackDocument, hlc.Timestamp, error) {
	all, upTo, err := v.DocumentChanges(since)
	if err != nil {
		return nil, since, err
	}
	var out []delegate.PackDocument
	for _, d := range all {
		ok := true
		if covers != nil {
			if ok, err = docInScope(v, covers, d.Record); err != nil {
				return nil, since, err
			}
		}
		if ok {
			out = append(out, packDocument(d))
		}
	}
	return out, upTo, nil
}

// isDocEcho reports whether this vault already holds d with the same
// content and metadata at least as new: importing it would change nothing.
func isDocEcho(v *vault.Vault, d delegate.PackDocument) (bool, error) {
	local, err := v.Document(d.ID)
	if errors.Is(err, vault.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	newer := d.Modified > local.Modified || (d.Modified == local.Modified && d.Author.Device > local.Author.Device)
	return local.SHA256 == d.SHA256 && local.Size == d.Size && !newer, nil
}

// writeDocuments streams the content of docs from src as the archive that
// follows a pack's statement.
func writeDocuments(w io.Writer, src *vault.Vault, docs []delegate.PackDocument) error {
	return delegate.WriteDocuments(w, docs, func(id string, w io.Writer) (int64, string, error) {
		got, err := src.ReadDocument(context.Background(), id, w)
		if err != nil {
			return 0, "", fmt.Errorf("failed to read document %s: %w", id, err)
		}
		return got.Size, got.SHA256, nil
	})
}

// errReader remembers the first error other than io.EOF its reader gave.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// docsResult is what importing a pack's documents did.
type docsResult struct {
	changed []string                   // documents added or changed here
	floor   hlc.Timestamp              // just before the oldest of those
	refused map[delegate.Code][]string // documents refused, by reason
	damaged bool                       // some could not be read or did not match
}

// importDocs reads the documents of p from s and imports into dst those
// allow lets through (allow returns "" or a refusal code). An error means
// dst could not be read or written.
func importDocs(dst *vault.Vault, s *delegate.DocStream, docs []delegate.PackDocument, allow func(delegate.PackDocument) (delegate.Code, error)) (docsResult, error) {
	res := docsResult{refused: map[delegate.Code][]string{}}
	bad := func(d delegate.PackDocument) {
		res.refused[delegate.CodeBadDocument] = append(res.refused[delegate.CodeBadDocument], d.ID)
		res.damaged = true
	}
	for _, d := range docs {
		var r io.Reader // none for a document deleted for good
		if !d.Purged {
			if s == nil || s.Broken() {
				bad(d)
				continue
			}
			var err error
			if r, err = s.Next(d); err != nil {
				bad(d)
				continue
			}
		}
		code, err := allow(d)
		if err != nil {
			return res, err
		}
		if code != "" {
			res.refused[code] = append(res.refused[code], d.ID)
			continue // the archive reader skips the content
		}
		content := &errReader{r: r}
		if r == nil {
			content = &errReader{r: strings.NewReader("")}
		}
		_, changed, err := dst.ImportDocument(context.Background(), vaultDocument(d), content)
		switch {
		case content.err != nil:
			s.Fail(content.err)
			bad(d)
		case errors.Is(err, vault.ErrDocumentConflict):
			res.refused[delegate.CodeBadDocument] = append(res.refused[delegate.CodeBadDocument], d.ID)
		case errors.Is(err, vault.ErrBadRecord):
			bad(d)
		case err != nil:
			return res, err
		case changed:
			if len(res.changed) == 0 || d.Modified-1 < res.floor {
				res.floor = d.Modified - 1
			}
			res.changed = append(res.changed, d.ID)
		}
	}
	if s != nil && !s.Broken() && len(docs) > 0 && s.End() != nil {
		res.damaged = true
	}
	return res, nil
}
