package delegate

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"kluis/sync/hlc"
	"kluis/sync/schema"
	"kluis/vault"
)

// Documents travel in a pack after its signed statement: the statement
// lists each document's metadata (with its size and SHA-256), and a tar
// archive follows with one entry "documents/<id>" per listed document, in
// the same order. Content is streamed both ways — from the sender's vault
// through age into the file, and from the file through age into the
// receiver's vault — so memory stays bounded whatever the size.
//
// The signature covers the metadata, and so the hash of every document:
// the receiver imports each one with vault.ImportDocument, which keeps
// nothing unless the content matches. A document that does not match, or
// a stream cut short, is refused (bad_document) and the pack is not
// acknowledged, so the sender sends it again; documents already checked
// stay.

// maxPackDocuments caps the documents listed in one pack.
const maxPackDocuments = 100_000

// PackDocument is a document's metadata in a pack.
type PackDocument struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	MediaType string        `json:"media_type"`
	Size      int64         `json:"size"`
	SHA256    string        `json:"sha256"`
	Record    string        `json:"record,omitempty"`
	Added     hlc.Timestamp `json:"added"`
	Modified  hlc.Timestamp `json:"modified"`
	Author    vault.Author  `json:"author"`
	Deleted   bool          `json:"deleted"`
}

func packDocument(d vault.Document) PackDocument {
	return PackDocument{ID: d.ID, Name: d.Name, MediaType: d.MediaType, Size: d.Size, SHA256: d.SHA256,
		Record: d.Record, Added: d.Added, Modified: d.Modified, Author: d.Author, Deleted: d.Deleted}
}

func (d PackDocument) vaultDocument() vault.Document {
	return vault.Document{ID: d.ID, Name: d.Name, MediaType: d.MediaType, Size: d.Size, SHA256: d.SHA256,
		Record: d.Record, Added: d.Added, Modified: d.Modified, Author: d.Author, Deleted: d.Deleted}
}

func docEntryName(id string) string { return "documents/" + id }

// coversAll reports whether the certificate covers every category of the
// schema: only then may documents linked to no record travel under it.
func coversAll(c *Certificate) bool {
	for _, cat := range schema.Categories() {
		if !c.Covers(cat.ID) {
			return false
		}
	}
	return true
}

// docInScope reports whether a document linked to record (in v) falls
// under the certificate: the record's category is covered or, for a
// document linked to no record, every category is.
func docInScope(v *vault.Vault, c *Certificate, record string) (bool, error) {
	if record == "" {
		return coversAll(c), nil
	}
	rec, err := v.Get(record)
	if errors.Is(err, vault.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return c.Covers(rec.Category), nil
}

// docsInScope returns the documents of v changed after since that fall
// under the certificate, and the latest change among all of them.
func docsInScope(v *vault.Vault, c *Certificate, since hlc.Timestamp) ([]PackDocument, hlc.Timestamp, error) {
	all, upTo, err := v.DocumentChanges(since)
	if err != nil {
		return nil, since, err
	}
	var out []PackDocument
	for _, d := range all {
		ok := true
		if c != nil {
			if ok, err = docInScope(v, c, d.Record); err != nil {
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
func isDocEcho(v *vault.Vault, d PackDocument) (bool, error) {
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

// writeDocuments streams the content of docs from src as a tar archive.
func writeDocuments(w io.Writer, src *vault.Vault, docs []PackDocument) error {
	tw := tar.NewWriter(w)
	for _, d := range docs {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: docEntryName(d.ID), Size: d.Size, Mode: 0o600, ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		got, err := src.ReadDocument(context.Background(), d.ID, tw)
		if err != nil {
			return fmt.Errorf("failed to read document %s: %w", d.ID, err)
		}
		if got.Size != d.Size || got.SHA256 != d.SHA256 {
			return fmt.Errorf("document %s changed while it was sent", d.ID)
		}
	}
	return tw.Close()
}

// docStream reads the documents that follow a pack's signed statement.
type docStream struct {
	rest   *bufio.Reader // the decrypted file after the statement
	tr     *tar.Reader
	broken error // set once the stream cannot be read further
}

func newDocStream(rest *bufio.Reader) *docStream {
	return &docStream{rest: rest, tr: tar.NewReader(rest)}
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
	changed []string          // documents added or changed here
	floor   hlc.Timestamp     // just before the oldest of those
	refused map[Code][]string // documents refused, by reason
	damaged bool              // some could not be read or did not match
}

// importDocs reads the documents of p from s and imports into dst those
// allow lets through (allow returns "" or a refusal code). An error means
// dst could not be read or written.
func importDocs(dst *vault.Vault, s *docStream, docs []PackDocument, allow func(PackDocument) (Code, error)) (docsResult, error) {
	res := docsResult{refused: map[Code][]string{}}
	bad := func(d PackDocument) {
		res.refused[CodeBadDocument] = append(res.refused[CodeBadDocument], d.ID)
		res.damaged = true
	}
	for _, d := range docs {
		if s == nil || s.broken != nil {
			bad(d)
			continue
		}
		h, err := s.tr.Next()
		if err == nil && (h.Typeflag != tar.TypeReg || h.Name != docEntryName(d.ID) || h.Size != d.Size) {
			err = errors.New("the entries do not follow the list of documents")
		}
		if err != nil {
			s.broken = err
			bad(d)
			continue
		}
		code, err := allow(d)
		if err != nil {
			return res, err
		}
		if code != "" {
			res.refused[code] = append(res.refused[code], d.ID)
			continue // the tar reader skips the content
		}
		content := &errReader{r: s.tr}
		_, changed, err := dst.ImportDocument(context.Background(), d.vaultDocument(), content)
		switch {
		case content.err != nil:
			s.broken = content.err
			bad(d)
		case errors.Is(err, vault.ErrDocumentConflict):
			res.refused[CodeBadDocument] = append(res.refused[CodeBadDocument], d.ID)
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
	if s != nil && s.broken == nil && len(docs) > 0 {
		// The archive ends, and so does the file: age authenticates its
		// last chunk only when read to the end.
		if _, err := s.tr.Next(); err != io.EOF {
			res.damaged = true
		} else if _, err := io.Copy(io.Discard, s.rest); err != nil {
			res.damaged = true
		}
	}
	return res, nil
}
