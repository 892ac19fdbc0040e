package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"kluis/internal/cmdline"
	"kluis/internal/i18n"
	"kluis/sync/hlc"
	"kluis/sync/schema"
	"kluis/vault"
)

// jsonRecord is how kluisctl writes a record version as JSON. Field values
// follow the published record JSON (money and numbers as integers, cents
// for money; the rest as canonical strings); sensitive fields are masked
// unless --reveal is given.
type jsonRecord struct {
	ID       string         `json:"id"`
	Category string         `json:"category"`
	Version  uint64         `json:"version"`
	Created  time.Time      `json:"created"`
	Modified time.Time      `json:"modified"`
	Author   vault.Author   `json:"author"`
	Deleted  bool           `json:"deleted"`
	Title    string         `json:"title"`
	Fields   map[string]any `json:"fields"`
}

func (c *cli) recordJSON(r vault.Record) jsonRecord {
	out := jsonRecord{
		ID: r.ID, Category: r.Category, Version: r.Version,
		Created: stampTime(r.Created), Modified: stampTime(r.Modified),
		Author: r.Author, Deleted: r.Deleted, Fields: map[string]any{},
	}
	cat, ok := schema.Lookup(r.Category)
	for k, val := range r.Fields {
		out.Fields[k] = val
		if !ok {
			continue
		}
		if f, ok := cat.Field(k); ok {
			if hidden(f) && !c.reveal {
				out.Fields[k] = f.Display(val)
			} else {
				out.Fields[k] = f.JSONValue(val)
			}
		}
	}
	if ok {
		out.Title = cat.TitleOf(r.Fields)
	}
	return out
}

func (c *cli) recordsJSON(recs []vault.Record) []jsonRecord {
	out := make([]jsonRecord, 0, len(recs))
	for _, r := range recs {
		out = append(out, c.recordJSON(r))
	}
	return out
}

// jsonDocument is how kluisctl writes a document's metadata as JSON.
type jsonDocument struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	MediaType string       `json:"media_type"`
	Size      int64        `json:"size"`
	SHA256    string       `json:"sha256"`
	Record    string       `json:"record,omitempty"`
	Added     time.Time    `json:"added"`
	Modified  time.Time    `json:"modified"`
	Author    vault.Author `json:"author"`
	Deleted   bool         `json:"deleted"`
}

func documentJSON(d vault.Document) jsonDocument {
	return jsonDocument{
		ID: d.ID, Name: d.Name, MediaType: d.MediaType, Size: d.Size, SHA256: d.SHA256,
		Record: d.Record, Added: stampTime(d.Added), Modified: stampTime(d.Modified),
		Author: d.Author, Deleted: d.Deleted,
	}
}

func documentsJSON(docs []vault.Document) []jsonDocument {
	out := make([]jsonDocument, 0, len(docs))
	for _, d := range docs {
		out = append(out, documentJSON(d))
	}
	return out
}

func stampTime(t hlc.Timestamp) time.Time {
	if t == 0 {
		return time.Time{}
	}
	return t.Time()
}

// hidden reports whether a field is shown masked unless --reveal is given.
func hidden(f *schema.Field) bool { return f.Sensitive || f.Type == schema.BSN }

// display returns a stored value as a person reads it: money as
// "€ 1.234,56", a choice by its label, a BSN masked unless --reveal.
func (c *cli) display(category string, f *schema.Field, val string) string {
	switch {
	case val == "":
		return ""
	case hidden(f) && c.reveal:
		return val
	case f.Type == schema.Money:
		if d := f.Display(val); d != val {
			return "€ " + d
		}
	case f.Type == schema.Choice:
		return c.cat.Choice(category, f.ID, val)
	}
	return f.Display(val)
}

// title is a record's one-line title for lists.
func title(r vault.Record) string {
	if cat, ok := schema.Lookup(r.Category); ok {
		return cat.TitleOf(r.Fields)
	}
	return ""
}

// printFields writes a record's filled fields, one per line, with their
// labels, in the order of the category's form.
func (c *cli) printFields(w io.Writer, r vault.Record, indent string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	cat, ok := schema.Lookup(r.Category)
	if ok {
		for i := range cat.Fields {
			f := &cat.Fields[i]
			if val := r.Fields[f.ID]; val != "" {
				fmt.Fprintf(tw, "%s%s\t%s\n", indent, withColon(c.cat.Field(r.Category, f.ID)), oneLineValue(c.display(r.Category, f, val)))
			}
		}
	}
	for k, val := range r.Fields { // fields this version's schema does not know
		if ok {
			if _, known := cat.Field(k); known {
				continue
			}
		}
		fmt.Fprintf(tw, "%s%s\t%s\n", indent, withColon(k), oneLineValue(val))
	}
	tw.Flush()
}

// withColon puts a colon after a label, unless it ends in a question mark
// ("How often?") or already has one.
func withColon(label string) string {
	if strings.HasSuffix(label, "?") || strings.HasSuffix(label, ":") {
		return label
	}
	return label + ":"
}

// oneLineValue shows a several-line text on one line, its line breaks
// marked, so the columns stay straight.
func oneLineValue(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", " ⏎ ")
}

// when formats a time for people, in local time.
func when(t hlc.Timestamp) string {
	if t == 0 {
		return "-"
	}
	return t.Time().Local().Format("2006-01-02 15:04")
}

// untilDay formats the last day an end time covers (i18n.LastDay), such as
// 2027-12-04 for a grant that ends at midnight after 4 December.
func untilDay(end time.Time) string { return i18n.LastDay(end).Format(time.DateOnly) }

// untilTime formats an end time with its time, or, when it ends a whole
// day at midnight, as that day alone.
func untilTime(end time.Time) string {
	if i18n.AtMidnight(end) {
		return untilDay(end)
	}
	return end.Local().Format("2006-01-02 15:04")
}

// size formats a number of bytes for people: "512 B", "3,0 MiB".
func (c *cli) size(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	s := strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64)
	if c.cat.Lang() == "nl" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + []string{"KiB", "MiB", "GiB", "TiB"}[exp]
}

// table starts a tab-aligned table on standard output.
func (c *cli) table() *tabwriter.Writer {
	return cmdline.Table(c.stdout)
}
