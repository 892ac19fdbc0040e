package delegate

import (
	"archive/tar"
	"bufio"
	"errors"
	"io"
	"time"

	"kluis/sync/hlc"
	"kluis/sync/replica"
)

// Documents travel in a pack after its signed statement: the statement
// lists each document's metadata (with its size and SHA-256), and a tar
// archive follows with one entry "documents/<id>" per listed document, in
// the same order, except for documents deleted for good, which travel as a
// tombstone without content. Content is streamed both ways — from the sender's vault
// through age into the file, and from the file through age into the
// receiver's vault — so memory stays bounded whatever the size.
//
// The signature covers the metadata, and so the hash of every document:
// the receiver keeps nothing unless the content matches. A document that does not match, or
// a stream cut short, is refused (bad_document) and the pack is not
// acknowledged, so the sender sends it again; documents already checked
// stay.

// maxPackDocuments caps the documents listed in one pack.
const maxPackDocuments = 100_000

// PackDocument is a document's metadata in a pack.
type PackDocument struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	MediaType string         `json:"media_type"`
	Size      int64          `json:"size"`
	SHA256    string         `json:"sha256"`
	Record    string         `json:"record,omitempty"`
	Added     hlc.Timestamp  `json:"added"`
	Modified  hlc.Timestamp  `json:"modified"`
	Author    replica.Author `json:"author"`
	Deleted   bool           `json:"deleted"`
	// Purged: the document was deleted for good. The rest is a tombstone
	// (id, link, times, author; no name, type, size or hash) and the
	// archive holds no entry for it.
	Purged bool `json:"purged,omitempty"`
}

// DocEntryName is the archive entry of a document's content.
func DocEntryName(id string) string { return "documents/" + id }

// WriteDocuments streams the content of docs as the archive that follows
// a pack's statement: read writes the content of one document to w and
// says its size and SHA-256, which must match what the pack lists. A
// document deleted for good (Purged) has no content and no entry.
func WriteDocuments(w io.Writer, docs []PackDocument, read func(id string, w io.Writer) (size int64, sha256 string, err error)) error {
	tw := tar.NewWriter(w)
	for _, d := range docs {
		if d.Purged {
			continue
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: DocEntryName(d.ID), Size: d.Size, Mode: 0o600, ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		size, sum, err := read(d.ID, tw)
		if err != nil {
			return err
		}
		if size != d.Size || sum != d.SHA256 {
			return errors.New("document " + d.ID + " changed while it was sent")
		}
	}
	return tw.Close()
}

// A DocStream reads the documents that follow a pack's signed statement.
type DocStream struct {
	rest   *bufio.Reader // the decrypted file after the statement
	tr     *tar.Reader
	broken error // set once the stream cannot be read further
}

func NewDocStream(rest *bufio.Reader) *DocStream {
	return &DocStream{rest: rest, tr: tar.NewReader(rest)}
}

// Next returns the content of d, the next document the pack lists that
// was not deleted for good (those have no entry: do not ask for them), or
// an error when the archive does not follow the list; after an error the
// stream is broken and every later call fails. The content must be read
// before the next call (or is skipped).
func (s *DocStream) Next(d PackDocument) (io.Reader, error) {
	if s.broken != nil {
		return nil, s.broken
	}
	h, err := s.tr.Next()
	if err == nil && (h.Typeflag != tar.TypeReg || h.Name != DocEntryName(d.ID) || h.Size != d.Size) {
		err = errors.New("the entries do not follow the list of documents")
	}
	if err != nil {
		s.broken = err
		return nil, err
	}
	return s.tr, nil
}

// Fail marks the stream broken by err (a read of a document's content
// failed), so that no later document is read.
func (s *DocStream) Fail(err error) {
	if s.broken == nil {
		s.broken = err
	}
}

// Broken reports whether the stream can be read no further.
func (s *DocStream) Broken() bool { return s.broken != nil }

// End checks that the archive ends after the last document and so does
// the file: age authenticates its last chunk only when read to the end.
func (s *DocStream) End() error {
	if _, err := s.tr.Next(); err != io.EOF {
		return errors.New("more entries than documents")
	}
	_, err := io.Copy(io.Discard, s.rest)
	return err
}
