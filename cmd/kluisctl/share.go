package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"kluis/sync/bundle"
	"kluis/vault"
	"kluis/vault/schema"
)

// Activity-log actions of sharing. The vault stores them like its own.
const (
	ActionShareCreated    vault.Action = "share.created"
	ActionShareRevoked    vault.Action = "share.revoked"
	ActionReceiptImported vault.Action = "receipt.imported"
)

// objectShare is the vault object kind of a share made: its id is the
// bundle id, its value a shareRecord as JSON.
const objectShare = "share"

// shareRecord is what the vault keeps about a share made. It holds no
// field values: only what was shared with whom, for what, until when.
type shareRecord struct {
	ID             string         `json:"id"`
	Created        time.Time      `json:"created"`
	NotAfter       time.Time      `json:"not_after"`
	Purpose        string         `json:"purpose"`
	Recipient      shareTo        `json:"recipient"`
	Categories     []string       `json:"categories"`
	Records        []string       `json:"records"`
	ExcludedFields []string       `json:"excluded_fields"`
	Documents      []string       `json:"documents"`
	ManifestSHA256 string         `json:"manifest_sha256"`
	File           string         `json:"file"`
	Revoked        *time.Time     `json:"revoked,omitempty"`
	Receipts       []shareReceipt `json:"receipts,omitempty"`
}

type shareTo struct {
	Kind        string `json:"kind"` // "card" or "share-code"
	Org         string `json:"org,omitempty"`
	OIN         string `json:"oin,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Ed25519     string `json:"ed25519,omitempty"`
}

type shareReceipt struct {
	Org        string    `json:"org"`
	ImportedAt time.Time `json:"imported_at"`
	KeptUntil  time.Time `json:"kept_until"`
	Verified   bool      `json:"verified"` // signed by the card's key the share was made for
	Receipt    string    `json:"receipt"`  // the signed file, as it came
}

// shareOptions are the flags of the share verbs.
type shareOptions struct {
	to, purpose, expires, scope, qr string
	shareCode, armor                bool
	records, excluded               multiFlag
}

// shareFlags holds the flags of the share verb being run (one per process).
var shareFlags shareOptions

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func (f *flagSet) multi(p *multiFlag, name, arg, help string) {
	f.fs.Var(p, name, "")
	f.docs = append(f.docs, flagDoc{names: []string{name}, arg: arg, help: help})
}

func shareCreateFlags(c *cli, f *flagSet) {
	shareFlags = shareOptions{}
	o := &shareFlags
	f.str(&o.to, "to", "CARD", "cli.share.flag.to")
	f.boolean(&o.shareCode, "share-code", "cli.share.flag.share_code")
	f.str(&o.scope, "scope", "CAT[,CAT…]", "cli.share.flag.scope")
	f.multi(&o.records, "record", "ID", "cli.share.flag.record")
	f.multi(&o.excluded, "exclude-field", "CAT.FIELD", "cli.share.flag.exclude_field")
	f.str(&o.expires, "expires", "14d|DATE", "cli.share.flag.expires")
	f.str(&o.purpose, "purpose", "TEXT", "cli.share.flag.purpose")
	f.str(&c.output, "o", "FILE", "cli.share.flag.output")
	f.alias("output", "o")
	f.boolean(&o.armor, "armor", "cli.share.flag.armor")
	f.str(&o.qr, "qr", "FILE.png", "cli.share.flag.qr")
}

func shareRevokeFlags(c *cli, f *flagSet) {
	f.str(&c.output, "o", "FILE", "cli.share.flag.notice_output")
	f.alias("output", "o")
}

// parseExpiry reads "14d", "36h" or a date (end of that day, local time).
func parseExpiry(s string, now time.Time) (time.Time, bool) {
	if s == "" {
		s = "14d"
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d > 0 && d <= 730 {
			return now.Add(time.Duration(d) * 24 * time.Hour), true
		}
		return time.Time{}, false
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d), true
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil && t.After(now) {
		return t.Add(24*time.Hour - time.Second), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil && t.After(now) {
		return t, true
	}
	return time.Time{}, false
}

func (c *cli) cmdShareCreate([]string) error {
	o := shareFlags
	const verb = "share create"
	switch {
	case (o.to == "") == !o.shareCode:
		return c.usage(verb, "cli.share.usage.recipient", nil)
	case c.output == "":
		return c.usage(verb, "cli.usage.needs_output", nil)
	case strings.TrimSpace(o.purpose) == "":
		return c.usage(verb, "cli.share.usage.purpose", nil)
	case o.scope == "" && len(o.records) == 0:
		return c.usage(verb, "cli.share.usage.scope", nil)
	}
	now := time.Now()
	notAfter, ok := parseExpiry(o.expires, now)
	if !ok {
		return c.usage(verb, "cli.share.usage.expires", map[string]any{"Expires": o.expires})
	}
	scope := bundle.Scope{Records: []string{}, ExcludedFields: []string{}, Categories: []string{}}
	for _, cat := range strings.Split(o.scope, ",") {
		if cat = strings.TrimSpace(cat); cat == "" {
			continue
		}
		if _, ok := schema.Lookup(cat); !ok {
			return &schema.FieldError{Category: cat, Code: schema.CodeUnknownCategory}
		}
		scope.Categories = append(scope.Categories, cat)
	}
	for _, cf := range o.excluded {
		cat, field, _ := strings.Cut(cf, ".")
		def, ok := schema.Lookup(cat)
		if !ok {
			return &schema.FieldError{Category: cat, Code: schema.CodeUnknownCategory}
		}
		if _, ok := def.Field(field); !ok {
			return &schema.FieldError{Category: cat, Field: field, Code: schema.CodeUnknownField}
		}
		scope.ExcludedFields = append(scope.ExcludedFields, cf)
	}
	var card *bundle.Card
	if o.to != "" {
		b, err := readSmallFile(o.to)
		if err == nil {
			card, err = bundle.ParseCard(b)
		}
		if err != nil {
			return c.about(err, "cli.share.what.card", map[string]any{"Path": o.to})
		}
	}
	target := c.output
	if _, err := os.Lstat(target); err == nil {
		return c.about(c.problem("cli.error.file_exists", nil), "cli.what.file", map[string]any{"Path": target})
	}
	return c.withVault(func(v *vault.Vault) error {
		ctx, stop := c.interruptible()
		defer stop()
		share, err := c.collectShare(ctx, v, &scope)
		if err != nil {
			return err
		}
		keys, err := v.PublicKeys()
		if err != nil {
			return c.aboutVault(err)
		}
		share.Created, share.NotAfter, share.Purpose = now, notAfter, strings.TrimSpace(o.purpose)
		share.Issuer = bundle.IssuerFromVault(v.Author().Person, keys)
		share.To, share.Armor, share.Compress = card, o.armor, o.qr != ""
		if o.shareCode {
			share.Code = bundle.NewShareCode()
		}
		var m *bundle.Manifest
		var mraw []byte
		err = writeAtomic(target, func(f *os.File) error {
			w := bufio.NewWriterSize(f, 256<<10)
			var err error
			if m, err = bundle.Write(w, share, v); err != nil {
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if mraw, err = m.Marshal(); err != nil {
				return err
			}
			if o.qr != "" {
				if err := c.writeQR(f, o.qr, o.armor); err != nil {
					return err
				}
			}
			// Log before the file appears: nothing leaves unlogged.
			return c.aboutVault(c.saveShare(v, share, m, mraw, target))
		})
		if err != nil {
			return c.about(err, "cli.what.file", map[string]any{"Path": target})
		}
		return c.printShareCreated(share, m)
	})
}

// collectShare gathers the records and documents in scope. Documents
// linked to a shared record go along.
func (c *cli) collectShare(ctx context.Context, v *vault.Vault, scope *bundle.Scope) (*bundle.Share, error) {
	share := &bundle.Share{}
	seen := map[string]bool{}
	add := func(r vault.Record) {
		if !seen[r.ID] {
			seen[r.ID] = true
			share.Records = append(share.Records, bundle.RecordFromVault(r, *scope))
		}
	}
	for _, cat := range scope.Categories {
		recs, err := v.List(cat)
		if err != nil {
			return nil, c.aboutVault(err)
		}
		for _, r := range recs {
			add(r)
		}
	}
	for _, id := range shareFlags.records {
		r, err := c.record(v, id)
		if err != nil {
			return nil, err
		}
		if r.Deleted {
			return nil, c.about(vault.ErrDeleted, "cli.what.item", map[string]any{"ID": r.ID})
		}
		if !slices.Contains(scope.Records, r.ID) {
			scope.Records = append(scope.Records, r.ID)
		}
		add(r)
	}
	share.Scope = *scope
	docs, err := v.Documents(false)
	if err != nil {
		return nil, c.aboutVault(err)
	}
	for _, d := range docs {
		if d.Record == "" || !seen[d.Record] {
			continue
		}
		id := d.ID
		share.Documents = append(share.Documents, bundle.DocumentSource{
			Document: bundle.Document{ID: d.ID, Name: d.Name, MediaType: d.MediaType, Record: d.Record},
			Size:     d.Size, SHA256: d.SHA256, Checked: true,
			Write: func(w io.Writer) error {
				_, err := v.ReadDocument(ctx, id, w)
				return err
			},
		})
	}
	if len(share.Records) == 0 {
		return nil, c.problem("cli.share.error.nothing", nil)
	}
	return share, nil
}

// writeQR writes a QR code of the bundle's kluis: link. Only small bundles
// fit: a QR code holds at most bundle.MaxURILength characters.
func (c *cli) writeQR(f *os.File, png string, armored bool) error {
	if armored {
		return c.problem("cli.share.error.qr_armor", nil)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, bundle.MaxURILength+1))
	if err != nil {
		return err
	}
	uri := bundle.BundleURI(data)
	if len(data) > bundle.MaxURILength || len(uri) > bundle.MaxURILength {
		return c.problem("cli.share.error.qr_too_big", map[string]any{"Max": bundle.MaxURILength})
	}
	q, err := qrcode.New(uri, qrcode.Low)
	if err != nil {
		return c.problem("cli.share.error.qr_too_big", map[string]any{"Max": bundle.MaxURILength})
	}
	b, err := q.PNG(1024)
	if err != nil {
		return err
	}
	if err := os.WriteFile(png, b, 0o600); err != nil {
		return c.about(err, "cli.what.file", map[string]any{"Path": png})
	}
	return nil
}

func (c *cli) saveShare(v *vault.Vault, s *bundle.Share, m *bundle.Manifest, mraw []byte, file string) error {
	rec := shareRecord{ID: m.ID, Created: m.Created, NotAfter: m.NotAfter, Purpose: m.Purpose,
		Recipient:  shareTo{Kind: m.Recipient.Kind, Org: m.Recipient.Org, OIN: m.Recipient.OIN, Fingerprint: m.Recipient.Fingerprint},
		Categories: m.Scope.Categories, Records: []string{}, ExcludedFields: m.Scope.ExcludedFields, Documents: []string{},
		ManifestSHA256: bundle.ManifestDigest(mraw), File: file}
	if s.To != nil {
		rec.Recipient.Ed25519 = s.To.Ed25519
	}
	for _, r := range s.Records {
		rec.Records = append(rec.Records, r.ID)
	}
	for _, d := range s.Documents {
		rec.Documents = append(rec.Documents, d.ID)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	detail := m.Recipient.Kind
	if m.Recipient.Kind == bundle.RecipientCard {
		detail += " " + bundle.ShortFingerprint(m.Recipient.Fingerprint)
	}
	detail += fmt.Sprintf("; %d records, %d documents", len(rec.Records), len(rec.Documents))
	return v.PutObject(objectShare, m.ID, b, vault.Event{Action: ActionShareCreated, Subject: m.ID, Detail: detail})
}

type jsonShare struct {
	ID        string    `json:"id"`
	File      string    `json:"file"`
	To        string    `json:"to"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	Purpose   string    `json:"purpose"`
	Records   int       `json:"records"`
	Documents int       `json:"documents"`
	Status    string    `json:"status,omitempty"`
	Receipts  int       `json:"receipts,omitempty"`
	ShareCode string    `json:"share_code,omitempty"`
}

func (c *cli) printShareCreated(s *bundle.Share, m *bundle.Manifest) error {
	to := m.Recipient.Org
	if s.Code != "" {
		to = c.cat.T("cli.share.to_share_code", nil)
	}
	j := jsonShare{ID: m.ID, File: c.output, To: to, Created: m.Created, Expires: m.NotAfter, Purpose: m.Purpose,
		Records: len(s.Records), Documents: len(s.Documents), ShareCode: s.Code.String()}
	if c.json {
		return c.printJSON(j)
	}
	fmt.Fprintln(c.stdout, c.cat.T("cli.share.create.done", map[string]any{"ID": j.ID, "Path": j.File, "To": to,
		"Records": j.Records, "Documents": j.Documents, "Expires": j.Expires.Local().Format("2006-01-02 15:04")}))
	if s.Code != "" {
		fmt.Fprintln(c.stdout, c.cat.T("cli.share.create.code", map[string]any{"Code": s.Code.String()}))
	}
	return nil
}

// shares returns the shares made, newest first.
func (c *cli) shares(v *vault.Vault) ([]shareRecord, error) {
	objs, err := v.Objects(objectShare)
	if err != nil {
		return nil, c.aboutVault(err)
	}
	var out []shareRecord
	for id, b := range objs {
		var s shareRecord
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, c.about(vault.ErrDamaged, "cli.share.what.share", map[string]any{"ID": id})
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b shareRecord) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// shareStatusKeys are the message keys of the states of a share.
var shareStatusKeys = map[string]string{
	"active":  "cli.share.status.active",
	"expired": "cli.share.status.expired",
	"revoked": "cli.share.status.revoked",
}

func (s *shareRecord) status(now time.Time) string {
	switch {
	case s.Revoked != nil:
		return "revoked"
	case !now.Before(s.NotAfter):
		return "expired"
	}
	return "active"
}

func (c *cli) cmdShareList([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		list, err := c.shares(v)
		if err != nil {
			return err
		}
		now := time.Now()
		out := []jsonShare{}
		for _, s := range list {
			to := s.Recipient.Org
			if s.Recipient.Kind == bundle.RecipientShareCode {
				to = c.cat.T("cli.share.to_share_code", nil)
			}
			out = append(out, jsonShare{ID: s.ID, File: s.File, To: to, Created: s.Created, Expires: s.NotAfter,
				Purpose: s.Purpose, Records: len(s.Records), Documents: len(s.Documents), Status: s.status(now), Receipts: len(s.Receipts)})
		}
		if c.json {
			return c.printJSON(out)
		}
		if len(out) == 0 {
			fmt.Fprintln(c.stdout, c.cat.T("cli.share.list.empty", nil))
			return nil
		}
		t := c.cat.T
		tw := c.table()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t("cli.label.id_column", nil), t("cli.share.label.to", nil),
			t("cli.share.label.expires", nil), t("cli.share.label.status", nil), t("cli.share.label.receipt", nil), t("cli.share.label.purpose", nil))
		for _, j := range out {
			receipt := ""
			if j.Receipts > 0 {
				receipt = t("cli.share.label.receipt_yes", nil)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.To, j.Expires.Local().Format("2006-01-02"),
				t(shareStatusKeys[j.Status], nil), receipt, j.Purpose)
		}
		return tw.Flush()
	})
}

// findShare finds a share by its id or the start of it.
func (c *cli) findShare(v *vault.Vault, arg string) (shareRecord, error) {
	list, err := c.shares(v)
	if err != nil {
		return shareRecord{}, err
	}
	var found []shareRecord
	for _, s := range list {
		if s.ID == strings.ToLower(arg) || (len(arg) >= minPrefix && strings.HasPrefix(s.ID, strings.ToLower(arg))) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return shareRecord{}, c.about(vault.ErrNotFound, "cli.share.what.share", map[string]any{"ID": arg})
	}
	return shareRecord{}, c.problem("cli.error.ambiguous_id", map[string]any{"ID": arg, "Count": len(found)})
}

// cmdShareRevoke writes a signed revocation notice for the organisation
// and marks the share revoked.
func (c *cli) cmdShareRevoke(args []string) error {
	if c.output == "" {
		return c.usage("share revoke", "cli.usage.needs_output", nil)
	}
	if _, err := os.Lstat(c.output); err == nil {
		return c.about(c.problem("cli.error.file_exists", nil), "cli.what.file", map[string]any{"Path": c.output})
	}
	return c.withVault(func(v *vault.Vault) error {
		s, err := c.findShare(v, args[0])
		if err != nil {
			return err
		}
		keys, err := v.PublicKeys()
		if err != nil {
			return c.aboutVault(err)
		}
		now := time.Now()
		notice, err := bundle.NewNotice(v, keys.Ed25519, s.ID, now)
		if err != nil {
			return err
		}
		err = writeAtomic(c.output, func(f *os.File) error {
			if _, err := f.Write(notice); err != nil {
				return err
			}
			if s.Revoked == nil {
				t := now.UTC().Truncate(time.Second)
				s.Revoked = &t
			}
			b, err := json.Marshal(s)
			if err != nil {
				return err
			}
			return c.aboutVault(v.PutObject(objectShare, s.ID, b, vault.Event{Action: ActionShareRevoked, Subject: s.ID}))
		})
		if err != nil {
			return c.about(err, "cli.what.file", map[string]any{"Path": c.output})
		}
		return c.done("cli.share.revoke.done", map[string]any{"ID": s.ID, "Path": c.output},
			map[string]any{"id": s.ID, "notice": c.output, "revoked": s.Revoked})
	})
}

// cmdReceiptImport checks a municipality's receipt and keeps it with the
// share it is for, in the activity log.
func (c *cli) cmdReceiptImport(args []string) error {
	b, err := readSmallFile(args[0])
	if err != nil {
		return c.about(err, "cli.receipt.what.receipt", map[string]any{"Path": args[0]})
	}
	r, err := bundle.ParseReceipt(b)
	if err != nil {
		return c.about(err, "cli.receipt.what.receipt", map[string]any{"Path": args[0]})
	}
	return c.withVault(func(v *vault.Vault) error {
		s, err := c.findShare(v, r.BundleID)
		if err != nil {
			return err
		}
		if r.ManifestSHA256 != s.ManifestSHA256 {
			return c.about(c.problem("cli.receipt.error.other_bundle", nil), "cli.receipt.what.receipt", map[string]any{"Path": args[0]})
		}
		verified := false
		if s.Recipient.Kind == bundle.RecipientCard {
			key, err := decodeKey(s.Recipient.Ed25519)
			if err != nil || !r.FromCard(s.Recipient.Fingerprint, key) {
				return c.about(c.problem("cli.receipt.error.other_org", map[string]any{"Org": s.Recipient.Org}),
					"cli.receipt.what.receipt", map[string]any{"Path": args[0]})
			}
			verified = true
		}
		for _, old := range s.Receipts {
			if old.Receipt == string(b) {
				return c.done("cli.receipt.import.already", map[string]any{"ID": s.ID}, map[string]any{"id": s.ID, "already": true})
			}
		}
		s.Receipts = append(s.Receipts, shareReceipt{Org: r.Org, ImportedAt: r.ImportedAt, KeptUntil: r.KeptUntil,
			Verified: verified, Receipt: string(b)})
		val, err := json.Marshal(s)
		if err != nil {
			return err
		}
		detail := "kept until " + r.KeptUntil.Format(time.DateOnly)
		if !verified {
			detail += "; organisation not verified (share code)"
		}
		if err := v.PutObject(objectShare, s.ID, val, vault.Event{Action: ActionReceiptImported, Subject: s.ID, Detail: detail}); err != nil {
			return c.aboutVault(err)
		}
		key := "cli.receipt.import.done"
		if !verified {
			key = "cli.receipt.import.done_unverified"
		}
		return c.done(key, map[string]any{"ID": s.ID, "Org": r.Org, "KeptUntil": r.KeptUntil.Local().Format("2006-01-02")},
			map[string]any{"id": s.ID, "org": r.Org, "imported_at": r.ImportedAt, "kept_until": r.KeptUntil, "verified": verified})
	})
}

func decodeKey(s string) ([]byte, error) {
	c, err := bundle.ParseCardKey(s)
	return c, err
}

// readSmallFile reads a card, notice or receipt (at most 64 KiB).
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10+1))
	if err != nil {
		return nil, err
	}
	if len(b) > 64<<10 {
		return nil, &fs.PathError{Op: "read", Path: path, Err: errors.New("file too large")}
	}
	return b, nil
}
