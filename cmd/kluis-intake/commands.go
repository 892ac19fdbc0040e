package main

import (
	"bufio"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kluis/intake"
	"kluis/internal/atomicfile"
	"kluis/internal/cmdline"
	"kluis/sync/bundle"
)

// Names keygen gives the two files it writes.
const (
	keyFileName  = "organisation.key"
	cardFileName = "organisation.card"
)

func (c *cli) cmdKeygen([]string) error {
	if c.org == "" || c.output == "" {
		return c.usage("intake.usage.keygen", nil)
	}
	keyPath, cardPath := filepath.Join(c.output, keyFileName), filepath.Join(c.output, cardFileName)
	for _, p := range []string{keyPath, cardPath} {
		if _, err := os.Lstat(p); err == nil {
			return c.about(&fs.PathError{Op: "create", Path: p, Err: fs.ErrExist}, "intake.what.file", map[string]any{"Path": p})
		}
	}
	pass, err := c.newPassphrase()
	if err != nil {
		return err
	}
	defer clear(pass)
	purposes, scopes := purposesFromFlags(c.purposes)
	id, err := bundle.GenerateOrgIdentityScoped(c.org, c.oin, purposes, scopes, time.Now())
	if err != nil {
		return err
	}
	secret, err := id.Marshal(pass)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.output, 0o700); err != nil {
		return err
	}
	if err := writeNew(keyPath, secret, 0o600); err != nil {
		return c.about(err, "intake.what.file", map[string]any{"Path": keyPath})
	}
	if err := writeNew(cardPath, id.CardFile(), 0o644); err != nil {
		return c.about(err, "intake.what.file", map[string]any{"Path": cardPath})
	}
	fp := bundle.ShortFingerprint(id.Card().Fingerprint())
	if c.json {
		return c.printJSON(map[string]any{"key": keyPath, "card": cardPath, "fingerprint": fp, "fingerprint_full": id.Card().Fingerprint()})
	}
	fmt.Fprintln(c.stdout, c.cat.T("intake.keygen.done", map[string]any{"Key": keyPath, "Card": cardPath, "Fingerprint": fp}))
	return nil
}

// cmdCard prints (or writes) the public card of the identity.
func (c *cli) cmdCard([]string) error {
	id, err := c.identity()
	if err != nil {
		return err
	}
	file := id.CardFile()
	if c.inbox != "" {
		if file, err = c.cardWithInbox(id); err != nil {
			return err
		}
	}
	if c.output != "" {
		return c.about(writeNew(c.output, file, 0o644), "intake.what.file", map[string]any{"Path": c.output})
	}
	if c.json {
		card, _ := bundle.ParseCard(file)
		return c.printJSON(map[string]any{"org": card.Org, "oin": card.OIN, "x25519": card.X25519, "ed25519": card.Ed25519,
			"fingerprint": bundle.ShortFingerprint(card.Fingerprint()), "fingerprint_full": card.Fingerprint(),
			"inbox": card.Inbox, "inbox_pin": card.InboxPin})
	}
	_, err = c.stdout.Write(file)
	return err
}

// cardWithInbox is the card that also names the desk's inbox (--inbox)
// and pins its TLS key: the key of --tls-cert, else of the certificate
// the store keeps for serve (made now when there is none yet).
func (c *cli) cardWithInbox(id *bundle.OrgIdentity) ([]byte, error) {
	inbox, err := bundle.CheckInbox(c.inbox)
	if err != nil {
		return nil, c.usage("intake.card.usage.inbox", map[string]any{"URL": c.inbox})
	}
	u, _ := url.Parse(inbox)
	var leaf *x509.Certificate
	if c.serve.certFile != "" {
		b, err := c.readFile(c.serve.certFile, 1<<20, func(int64) error {
			return c.problem("intake.card.not_certificate", map[string]any{"Path": c.serve.certFile})
		})
		if err != nil {
			return nil, c.about(err, "intake.what.file", map[string]any{"Path": c.serve.certFile})
		}
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != "CERTIFICATE" {
			return nil, c.problem("intake.card.not_certificate", map[string]any{"Path": c.serve.certFile})
		}
		if leaf, err = x509.ParseCertificate(blk.Bytes); err != nil {
			return nil, c.problem("intake.card.not_certificate", map[string]any{"Path": c.serve.certFile})
		}
	} else {
		if c.store == "" {
			return nil, c.usage("intake.card.usage.store", nil)
		}
		s, err := intake.Open(c.store, id, &intake.Options{Actor: intake.ProgramActor()})
		if err != nil {
			return nil, c.about(err, "intake.what.store", map[string]any{"Path": c.store})
		}
		cert, _, err := s.ServerCertificate([]string{u.Hostname()})
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, c.about(err, "intake.what.store", map[string]any{"Path": c.store})
		}
		leaf, _ = x509.ParseCertificate(cert.Certificate[0])
	}
	file, err := id.CardWithInbox(inbox, bundle.InboxPin(leaf), time.Now())
	if err != nil {
		return nil, c.about(err, "intake.what.key", map[string]any{"Path": c.keyFile})
	}
	return file, nil
}

// withStore opens the identity and the store, runs fn and closes the store.
func (c *cli) withStore(fn func(s *intake.Store) error) error {
	id, err := c.identity()
	if err != nil {
		return err
	}
	defer id.Wipe()
	c.orgID = id
	s, err := intake.Open(c.store, id, &intake.Options{Actor: intake.ProgramActor()})
	if err != nil {
		return c.about(err, "intake.what.store", map[string]any{"Path": c.store})
	}
	err = fn(s)
	if cerr := s.Close(); err == nil && cerr != nil {
		err = c.about(cerr, "intake.what.store", map[string]any{"Path": c.store})
	}
	return err
}

func (c *cli) cmdImport(args []string) error {
	src := args[0]
	what := map[string]any{"Path": src}
	var opts intake.ImportOptions
	opts.Limits.MaxInput = c.maxSize
	if c.shareCodeFile != "" {
		b, err := c.readSecret(c.shareCodeFile)
		if err != nil {
			return c.about(err, "intake.what.share_code_file", map[string]any{"Path": c.shareCodeFile})
		}
		if opts.Code, err = bundle.ParseShareCode(string(b)); err != nil {
			return c.about(err, "intake.what.share_code_file", map[string]any{"Path": c.shareCodeFile})
		}
	}
	var open func() (*os.File, error)
	var uriData []byte
	if strings.HasPrefix(src, "kluis:") {
		b, err := bundle.ParseBundleURI(src)
		if err != nil {
			return err
		}
		uriData = b
	} else {
		// Cap the input before anything is decrypted.
		fi, err := os.Stat(src)
		if err != nil {
			return c.about(err, "intake.what.bundle", what)
		}
		if !fi.Mode().IsRegular() {
			return c.about(c.problem("intake.error.not_regular_file", nil), "intake.what.bundle", what)
		}
		if fi.Size() > c.maxSize {
			return c.about(&bundle.Error{Code: bundle.CodeTooLarge, Detail: fmt.Sprintf("%d bytes, the limit is %d (--max-size)", fi.Size(), c.maxSize)}, "intake.what.bundle", what)
		}
		open = func() (*os.File, error) { return os.Open(src) }
	}
	return c.withStore(func(s *intake.Store) error {
		var imp *intake.Import
		var again bool
		var err error
		if uriData != nil {
			imp, again, err = s.Import(c.ctx, strings.NewReader(string(uriData)), opts)
		} else {
			f, ferr := open()
			if ferr != nil {
				return c.about(ferr, "intake.what.bundle", what)
			}
			defer f.Close()
			imp, again, err = s.Import(c.ctx, bufio.NewReaderSize(ctxReader{c.ctx, f}, 256<<10), opts)
		}
		if err != nil {
			return c.about(err, "intake.what.bundle", what)
		}
		return c.printImport(imp, again, true)
	})
}

type jsonImport struct {
	ID              string         `json:"id"`
	Issuer          string         `json:"issuer"`
	OnBehalf        *jsonBehalf    `json:"on_behalf,omitempty"`
	Purpose         string         `json:"purpose"`
	CaseReference   string         `json:"case_reference,omitempty"`
	RequestID       string         `json:"request_id,omitempty"`
	Message         string         `json:"message,omitempty"`
	Recipient       string         `json:"recipient"`
	Created         time.Time      `json:"created"`
	ImportedAt      time.Time      `json:"imported_at"`
	KeptUntil       time.Time      `json:"kept_until"`
	Categories      []string       `json:"categories"`
	Records         int            `json:"records"`
	Documents       []jsonDocument `json:"documents"`
	AlreadyImported bool           `json:"already_imported,omitempty"`
}

// jsonBehalf is the certificate of a share a delegate (the issuer) made
// on the owner's behalf, as checked at import.
type jsonBehalf struct {
	Owner        string    `json:"owner"`
	OwnerEd25519 string    `json:"owner_ed25519"`
	Certificate  string    `json:"certificate"`
	Role         string    `json:"role"`
	Categories   []string  `json:"categories"`
	ValidUntil   time.Time `json:"valid_until"`
}

type jsonDocument struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
}

func importJSON(imp *intake.Import) (jsonImport, error) {
	m, err := imp.ParsedManifest()
	if err != nil {
		return jsonImport{}, err
	}
	rs, err := imp.ParsedRecords()
	if err != nil {
		return jsonImport{}, err
	}
	out := jsonImport{ID: imp.ID, Issuer: m.Issuer.Name, Purpose: m.Purpose, CaseReference: m.CaseReference,
		RequestID: m.RequestID, Message: m.Message, Recipient: m.Recipient.Kind, Created: m.Created, ImportedAt: imp.ImportedAt,
		KeptUntil: imp.KeptUntil, Categories: m.Scope.Categories, Records: len(rs.Records), Documents: []jsonDocument{}}
	for _, d := range imp.Documents {
		out.Documents = append(out.Documents, jsonDocument{ID: d.ID, Name: d.Name, MediaType: d.MediaType, Size: d.Size, SHA256: d.SHA256})
	}
	behalf, err := imp.OnBehalf()
	if err != nil {
		return jsonImport{}, err
	}
	if behalf != nil {
		out.OnBehalf = &jsonBehalf{Owner: behalf.Owner.Name, OwnerEd25519: behalf.Owner.Ed25519, Certificate: behalf.ID,
			Role: behalf.Role, Categories: behalf.Categories, ValidUntil: behalf.ValidUntil}
	}
	return out, nil
}

func (c *cli) printImport(imp *intake.Import, again, short bool) error {
	j, err := importJSON(imp)
	if err != nil {
		return err
	}
	j.AlreadyImported = again
	if c.json {
		return c.printJSON(j)
	}
	t := c.cat.T
	data := map[string]any{"ID": j.ID, "Issuer": c.issuerText(j), "Purpose": j.Purpose, "Records": j.Records,
		"Documents": len(j.Documents), "KeptUntil": day(j.KeptUntil), "ImportedAt": day(j.ImportedAt)}
	if again {
		fmt.Fprintln(c.stdout, t("intake.import.already", data))
		return nil
	}
	if short {
		fmt.Fprintln(c.stdout, t("intake.import.done", data))
		return nil
	}
	tw := cmdline.Table(c.stdout)
	fmt.Fprintf(tw, "%s:\t%s\n", t("intake.label.bundle", nil), j.ID)
	fmt.Fprintf(tw, "%s:\t%s\n", t("intake.label.issuer", nil), c.issuerText(j))
	if b := j.OnBehalf; b != nil {
		fmt.Fprintf(tw, "%s:\t%s\n", t("intake.behalf.label", nil), t("intake.behalf.note", map[string]any{
			"By": j.Issuer, "Owner": b.Owner, "Until": day(b.ValidUntil), "Certificate": b.Certificate[:8]}))
	}
	fmt.Fprintf(tw, "%s:\t%s\n", t("intake.label.purpose", nil), j.Purpose)
	if j.CaseReference != "" {
		fmt.Fprintf(tw, "%s:\t%s\n", t("intake.label.case", nil), j.CaseReference)
	}
	if j.RequestID != "" {
		fmt.Fprintf(tw, "%s:\t%s\n", t("intake.label.request", nil), j.RequestID)
	}
	fmt.Fprintf(tw, "%s:\t%s\n", t("intake.label.created", nil), day(j.Created))
	fmt.Fprintf(tw, "%s:\t%s\n", t("intake.label.imported", nil), day(j.ImportedAt))
	fmt.Fprintf(tw, "%s:\t%s\n", t("intake.label.kept_until", nil), day(j.KeptUntil))
	var cats []string
	for _, cat := range j.Categories {
		cats = append(cats, c.cat.Category(cat))
	}
	fmt.Fprintf(tw, "%s:\t%s\n", t("intake.label.categories", nil), strings.Join(cats, ", "))
	fmt.Fprintf(tw, "%s:\t%d\n", t("intake.label.records", nil), j.Records)
	for _, d := range j.Documents {
		fmt.Fprintf(tw, "%s:\t%s (%d bytes, SHA-256 %s)\n", t("intake.label.document", nil), d.Name, d.Size, d.SHA256)
	}
	if j.Message != "" {
		// The citizen's own words, line by line under their label.
		fmt.Fprintf(tw, "%s:\t\n", t("intake.label.message", nil))
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, line := range strings.Split(j.Message, "\n") {
			fmt.Fprintln(c.stdout, "  "+line)
		}
		return nil
	}
	return tw.Flush()
}

// issuerText names who made a bundle: the citizen, or "Youssef namens
// Fatima" for a share a delegate made on the citizen's behalf.
func (c *cli) issuerText(j jsonImport) string {
	if j.OnBehalf == nil {
		return j.Issuer
	}
	return c.cat.T("intake.behalf.who", map[string]any{"By": j.Issuer, "Owner": j.OnBehalf.Owner})
}

// logAccess writes to the processing log that the command line opened an
// import's data, before it does: when the log cannot be written, the data
// is not shown.
func (c *cli) logAccess(s *intake.Store, imp *intake.Import, action, detail string) error {
	e := intake.LogEntry{Action: action, Import: imp.ID, Detail: detail}
	if m, err := imp.ParsedManifest(); err == nil {
		e.Purpose = m.Purpose
	}
	if _, err := s.Log(e); err != nil {
		return c.about(err, "intake.what.log", nil)
	}
	return nil
}

func (c *cli) cmdList([]string) error {
	return c.withStore(func(s *intake.Store) error {
		imps, err := s.List()
		if err != nil {
			return err
		}
		out := []jsonImport{}
		for _, imp := range imps {
			j, err := importJSON(imp)
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		if c.json {
			return c.printJSON(out)
		}
		if len(out) == 0 {
			fmt.Fprintln(c.stdout, c.cat.T("intake.list.empty", nil))
			return nil
		}
		t := c.cat.T
		tw := cmdline.Table(c.stdout)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t("intake.label.id_column", nil), t("intake.label.issuer", nil),
			t("intake.label.imported", nil), t("intake.label.kept_until", nil), t("intake.label.purpose", nil))
		for _, j := range out {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.ID, c.issuerText(j), day(j.ImportedAt), day(j.KeptUntil), j.Purpose)
		}
		return tw.Flush()
	})
}

// resolve finds the import arg names: its whole id or a start of it that
// fits one import only (intake.Store.Resolve).
func (c *cli) resolve(s *intake.Store, arg string) (string, error) {
	id, err := s.Resolve(arg)
	if err != nil {
		return "", c.about(err, "intake.what.import", map[string]any{"ID": arg})
	}
	return id, nil
}

func (c *cli) cmdShow(args []string) error {
	return c.withStore(func(s *intake.Store) error {
		id, err := c.resolve(s, args[0])
		if err != nil {
			return err
		}
		imp, err := s.Get(id)
		if err != nil {
			return c.about(err, "intake.what.import", map[string]any{"ID": args[0]})
		}
		if err := c.logAccess(s, imp, intake.ActView, "kluis-intake show"); err != nil {
			return err
		}
		return c.printImport(imp, false, false)
	})
}

func (c *cli) cmdExport(args []string) error {
	if c.output == "" {
		return c.usage("intake.usage.needs_output", nil)
	}
	return c.withStore(func(s *intake.Store) error {
		id, err := c.resolve(s, args[0])
		if err != nil {
			return err
		}
		imp, err := s.Get(id)
		if err != nil {
			return c.about(err, "intake.what.import", map[string]any{"ID": id})
		}
		if err := c.logAccess(s, imp, intake.ActExport, "kluis-intake export"); err != nil {
			return err
		}
		if err := s.ExportContext(c.ctx, id, c.output); err != nil {
			return c.about(err, "intake.what.import", map[string]any{"ID": id})
		}
		if c.json {
			return c.printJSON(map[string]any{"id": id, "dir": c.output, "summary": filepath.Join(c.output, "samenvatting.html")})
		}
		fmt.Fprintln(c.stdout, c.cat.T("intake.export.done", map[string]any{"ID": id, "Dir": c.output}))
		return nil
	})
}

func (c *cli) cmdReceipt(args []string) error {
	if c.output == "" {
		return c.usage("intake.usage.needs_output", nil)
	}
	return c.withStore(func(s *intake.Store) error {
		id, err := c.resolve(s, args[0])
		if err != nil {
			return err
		}
		imp, err := s.Get(id)
		if err != nil {
			return c.about(err, "intake.what.import", map[string]any{"ID": id})
		}
		if err := c.logAccess(s, imp, intake.ActReceipt, "kluis-intake receipt"); err != nil {
			return err
		}
		b, err := s.Receipt(id)
		if err != nil {
			return c.about(err, "intake.what.import", map[string]any{"ID": id})
		}
		if err := writeNew(c.output, b, 0o644); err != nil {
			return c.about(err, "intake.what.file", map[string]any{"Path": c.output})
		}
		if c.json {
			return c.printJSON(map[string]any{"id": id, "receipt": c.output})
		}
		fmt.Fprintln(c.stdout, c.cat.T("intake.receipt.done", map[string]any{"ID": id, "Path": c.output}))
		return nil
	})
}

func (c *cli) cmdRevoke(args []string) error {
	b, err := c.readFile(args[0], bundle.MaxSignedFile, bundleTooLarge)
	if err != nil {
		return c.about(err, "intake.what.notice", map[string]any{"Path": args[0]})
	}
	return c.withStore(func(s *intake.Store) error {
		p, err := s.Revoke(b)
		if err != nil {
			return c.about(err, "intake.what.notice", map[string]any{"Path": args[0]})
		}
		if c.json {
			return c.printJSON(p)
		}
		fmt.Fprintln(c.stdout, c.cat.T("intake.revoke.done", map[string]any{"ID": p.ID}))
		return nil
	})
}

// cmdPurge removes what has expired and closes the tallies of indexes
// whose period and grace are over (intake.Store.Purge). --dry-run says
// what would go and changes nothing (intake.Store.PurgePlan). --at
// purges as if it were a later time (never an earlier one); as that
// deletes for good what is not yet due, it needs --force, unless it is a
// --dry-run.
func (c *cli) cmdPurge([]string) error {
	now := time.Now
	if c.at != "" {
		at, err := parseTime(c.at)
		if err != nil || at.Before(time.Now()) {
			return c.usage("intake.usage.bad_at", map[string]any{"At": c.at})
		}
		if !c.dryRun && !c.force {
			return c.usage("intake.usage.at_needs_force", map[string]any{"At": c.at})
		}
		now = func() time.Time { return at }
	}
	id, err := c.identity()
	if err != nil {
		return err
	}
	defer id.Wipe()
	s, err := intake.Open(c.store, id, &intake.Options{Now: now, Actor: intake.ProgramActor()})
	if err != nil {
		return c.about(err, "intake.what.store", map[string]any{"Path": c.store})
	}
	defer s.Close()
	purge := s.Purge
	if c.dryRun {
		purge = s.PurgePlan
	}
	p, err := purge()
	if err != nil {
		return c.about(err, "intake.what.store", map[string]any{"Path": c.store})
	}
	if c.json {
		if p == nil {
			p = []intake.Purged{}
		}
		return c.printJSON(p)
	}
	var removed, closed []intake.Purged
	for _, x := range p {
		if x.Reason == intake.ReasonClosed {
			closed = append(closed, x)
		} else {
			removed = append(removed, x)
		}
	}
	done, closedKey := "intake.purge.done", "intake.purge.closed"
	if c.dryRun {
		done, closedKey = "intake.purge.would", "intake.purge.would_close"
	}
	fmt.Fprintln(c.stdout, c.cat.T(done, map[string]any{"Count": len(removed)}))
	for _, x := range removed {
		fmt.Fprintf(c.stdout, "  %s (%s)\n", x.ID, c.cat.T(map[string]string{intake.ReasonExpired: "intake.purge.reason_expired", intake.ReasonRevoked: "intake.purge.reason_revoked"}[x.Reason], nil))
	}
	for _, x := range closed {
		fmt.Fprintln(c.stdout, c.cat.T(closedKey, map[string]any{"ID": x.ID, "Period": x.Period, "Donations": x.Donations}))
	}
	if c.dryRun {
		fmt.Fprintln(c.stdout, c.cat.T("intake.purge.dry_run", nil))
	}
	return nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation(time.DateOnly, s, time.Local)
}

func day(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }

// writeNew writes a file that must not exist yet, atomically (package
// atomicfile). Temporary files an interrupted earlier run left in the
// folder are removed first.
func writeNew(path string, data []byte, perm os.FileMode) error {
	if _, err := os.Lstat(path); err == nil {
		return &fs.PathError{Op: "create", Path: path, Err: fs.ErrExist}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	atomicfile.CleanTemp(filepath.Dir(path))
	return atomicfile.WriteFile(path, data, atomicfile.Mode(perm))
}

func (c *cli) printJSON(v any) error { return cmdline.WriteJSON(c.stdout, v) }

// bundleTooLarge refuses a card, notice or key file over its limit.
func bundleTooLarge(limit int64) error {
	return &bundle.Error{Code: bundle.CodeTooLarge, Detail: fmt.Sprintf("over %d bytes", limit)}
}
