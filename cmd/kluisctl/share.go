package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	citizenpost "kluis/citizen/post"
	"kluis/citizen/share"
	"kluis/internal/cmdline"
	"kluis/internal/i18n"
	"kluis/internal/writeback"
	"kluis/sync/bundle"
	"kluis/sync/schema"
	"kluis/vault"
)

// shareOptions are the flags of the share verbs.
type shareOptions struct {
	to, purpose, expires, scope, qr string
	answer, message                 string // --answer REQUEST (request.go)
	shareCode, armor, dryRun, send  bool
	acceptUnknown                   bool            // --accept-unknown (request.go)
	records, excluded, overAsked    cmdline.Strings // overAsked: --include-over-asked
}

// shareFlags holds the flags of the share verb being run (one per process).
var shareFlags shareOptions

func shareCreateFlags(c *cli, f *cmdline.FlagSet) {
	shareFlags = shareOptions{}
	o := &shareFlags
	f.Str(&o.to, "to", "CARD", "cli.share.flag.to")
	f.Bool(&o.shareCode, "share-code", "cli.share.flag.share_code")
	f.Str(&o.scope, "scope", "CAT[,CAT…]", "cli.share.flag.scope")
	f.Value(&o.records, "record", "ID", "cli.share.flag.record")
	f.Value(&o.excluded, "exclude-field", "CAT.FIELD", "cli.share.flag.exclude_field")
	f.Str(&o.expires, "expires", "14d|DATE", "cli.share.flag.expires")
	f.Str(&o.purpose, "purpose", "TEXT", "cli.share.flag.purpose")
	f.Str(&c.output, "o", "FILE", "cli.share.flag.output")
	f.Alias("output", "o")
	f.Bool(&o.armor, "armor", "cli.share.flag.armor")
	f.Str(&o.qr, "qr", "FILE.png", "cli.share.flag.qr")
	f.Str(&o.answer, "answer", "REQUEST", "cli.share.flag.answer")
	f.Str(&o.message, "message", "TEXT", "cli.share.flag.message")
	f.Value(&o.overAsked, "include-over-asked", "CAT[.FIELD]", "cli.share.flag.include_over_asked")
	f.Bool(&o.acceptUnknown, "accept-unknown", "cli.share.flag.accept_unknown")
	f.Bool(&o.dryRun, "dry-run", "cli.share.flag.dry_run")
	f.Bool(&o.send, "send", "cli.share.flag.send")
}

func shareRevokeFlags(c *cli, f *cmdline.FlagSet) {
	shareFlags = shareOptions{}
	f.Str(&c.output, "o", "FILE", "cli.share.flag.notice_output")
	f.Alias("output", "o")
	f.Bool(&shareFlags.send, "send", "cli.share.flag.send_notice")
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
		return i18n.EndOfDay(t, time.Local), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil && t.After(now) {
		return t, true
	}
	return time.Time{}, false
}

func (c *cli) cmdShareCreate([]string) error {
	o := shareFlags
	const verb = "share create"
	if o.answer != "" {
		if c.managed != "" {
			return c.problem("cli.share.behalf.no_answer", nil)
		}
		return c.cmdShareAnswer()
	}
	switch {
	case (o.to == "") == !o.shareCode:
		return c.usage(verb, "cli.share.usage.recipient", nil)
	case c.output == "" && !o.dryRun:
		return c.usage(verb, "cli.usage.needs_output", nil)
	case strings.TrimSpace(o.purpose) == "":
		return c.usage(verb, "cli.share.usage.purpose", nil)
	case o.scope == "" && len(o.records) == 0:
		return c.usage(verb, "cli.share.usage.scope", nil)
	case o.send && o.shareCode:
		return c.usage(verb, "cli.share.usage.send_code", nil)
	}
	now := time.Now()
	notAfter, ok := parseExpiry(o.expires, now)
	if !ok {
		return c.usage(verb, "cli.share.usage.expires", map[string]any{"Expires": o.expires})
	}
	var scope share.Scope
	for _, cat := range strings.Split(o.scope, ",") {
		if cat = strings.TrimSpace(cat); cat != "" {
			scope.Categories = append(scope.Categories, cat)
		}
	}
	scope.ExcludedFields = append(scope.ExcludedFields, o.excluded...)
	if err := scope.Check(); err != nil {
		return err
	}
	var card *bundle.Card
	if o.to != "" {
		b, err := c.readSmallFile(o.to)
		if err == nil {
			card, err = bundle.ParseCard(b)
		}
		if err != nil {
			return c.about(err, "cli.share.what.card", map[string]any{"Path": o.to})
		}
	}
	target := c.output
	if _, err := os.Lstat(target); err == nil && !o.dryRun {
		return c.about(c.problem("cli.error.file_exists", nil), "cli.what.file", map[string]any{"Path": target})
	}
	return c.withShareVault(func(v *vault.Vault, behalf *share.Behalf, until time.Time) error {
		ctx, stop := c.interruptible()
		defer stop()
		if behalf != nil && notAfter.After(until) {
			// A share on behalf ends with the certificate that allows it.
			notAfter = until
		}
		// Single records: the start of an id is enough, as everywhere.
		for _, id := range o.records {
			r, err := c.record(v, id)
			if err != nil {
				return err
			}
			if r.Deleted {
				return c.about(vault.ErrDeleted, "cli.what.item", map[string]any{"ID": r.ID})
			}
			if !slices.Contains(scope.Records, r.ID) {
				scope.Records = append(scope.Records, r.ID)
			}
		}
		sendTo := card
		if o.send && !o.dryRun {
			// Checked before anything is written: a card without an
			// inbox makes a file only.
			var err error
			if sendTo, err = c.sendCard(v, card); err != nil {
				return err
			}
		}
		if card != nil {
			if err := c.sayCard(v, card); err != nil {
				return err
			}
		}
		// One draft, collected once, is what is signed (the share
		// package's draft rule).
		d, err := share.NewDraft(ctx, v, scope)
		if err != nil {
			return c.shareProblem(err, target, behalf != nil)
		}
		d.Request = share.Request{To: card, Created: now, NotAfter: notAfter, Purpose: o.purpose,
			Armor: o.armor, Compress: o.qr != "", File: target, Behalf: behalf}
		if o.shareCode {
			d.Code = bundle.NewShareCode()
		}
		if o.dryRun {
			return c.printDraft(d)
		}
		var res share.Result
		err = writeAtomic(target, func(f *os.File) error {
			// Writeback starts every few MiB, so the sync at Commit waits
			// for little.
			w := bufio.NewWriterSize(writeback.NewWriter(f), 128<<10)
			d.Flush = func() error {
				if err := w.Flush(); err != nil {
					return err
				}
				if o.qr != "" {
					return c.writeQR(f, o.qr, o.armor)
				}
				return nil
			}
			// Sign logs the share before the file takes its name:
			// nothing leaves unlogged.
			var err error
			res, err = d.Sign(ctx, w, nil)
			return err
		})
		if err != nil {
			return c.shareProblem(err, target, behalf != nil)
		}
		if !o.send {
			return c.printShareCreated(res, nil)
		}
		sent, err := c.deliver(ctx, v, res.Manifest.ID, sendTo, target)
		if perr := c.printShareCreated(res, sent); perr != nil {
			return perr
		}
		return err
	})
}

// sayCard says on stderr whom a share --to card goes to: the card's
// fingerprint and whether it is kept. A card that could pass for a kept
// card of another key is refused.
func (c *cli) sayCard(v *vault.Vault, card *bundle.Card) error {
	clash, err := share.Clash(v, card)
	if err != nil {
		return c.aboutVault(err)
	}
	if clash != nil {
		return c.problem("cli.share.error.card_clash", map[string]any{"Org": card.Org, "Fingerprint": bundle.ShortFingerprint(card.Fingerprint()),
			"KeptFingerprint": bundle.ShortFingerprint(clash.Fingerprint())})
	}
	kept, err := share.Kept(v, card)
	if err != nil {
		return c.aboutVault(err)
	}
	key := "cli.share.card_kept"
	if !kept {
		key = "cli.share.card_not_kept"
	}
	fmt.Fprintln(c.stderr, "kluisctl: "+oneLine(c.cat.T(key, map[string]any{"Org": card.Org, "Fingerprint": bundle.ShortFingerprint(card.Fingerprint())})))
	return nil
}

// shareProblem puts a failure to make a share to target into words.
func (c *cli) shareProblem(err error, target string, onBehalf bool) error {
	switch {
	case errors.Is(err, share.ErrNothing):
		return c.problem("cli.share.error.nothing", nil)
	case errors.Is(err, vault.ErrLocked), errors.Is(err, vault.ErrDamaged):
		return c.aboutVault(err)
	case onBehalf && strings.HasPrefix(string(bundle.CodeOf(err)), "behalf."):
		return c.problem("cli.share.behalf.refused", map[string]any{"Reason": c.cat.T("error.bundle."+string(bundle.CodeOf(err)), nil)})
	}
	return c.about(err, "cli.what.file", map[string]any{"Path": target})
}

// shareLink is the kluis: link writeQR put in the QR code, printed with
// the share made.
var shareLink string

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
	shareLink = uri
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
	// OnBehalfOf names the owner a delegate made the share for.
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
	// Link is the kluis: link in the QR code (--qr).
	Link string `json:"link,omitempty"`
	// Sent is what --send did.
	Sent *jsonSent `json:"sent,omitempty"`
}

func (c *cli) printShareCreated(res share.Result, sent *jsonSent) error {
	m := res.Manifest
	to := m.Recipient.Org
	if res.Code != "" {
		to = c.cat.T("cli.share.to_share_code", nil)
	}
	j := jsonShare{ID: m.ID, File: c.output, To: to, Created: m.Created, Expires: m.NotAfter, Purpose: m.Purpose,
		Records: res.Records, Documents: res.Documents, ShareCode: res.Code.String(), Link: shareLink, Sent: sent}
	if m.OnBehalf != nil {
		if d, err := bundle.ParseDelegation([]byte(m.OnBehalf.Certificate)); err == nil {
			j.OnBehalfOf = d.Owner.Name
		}
	}
	if c.json {
		return c.printJSON(j)
	}
	if j.OnBehalfOf != "" {
		fmt.Fprintln(c.stdout, c.cat.T("cli.share.behalf.made", map[string]any{"By": m.Issuer.Name, "Owner": j.OnBehalfOf}))
	}
	fmt.Fprintln(c.stdout, c.cat.T("cli.share.create.done", map[string]any{"ID": j.ID, "Path": j.File, "To": to,
		"Records": c.cat.N("cli.count.records", j.Records, nil), "Documents": c.cat.N("cli.count.documents", j.Documents, nil),
		"Expires": untilTime(j.Expires)}))
	if res.Code != "" {
		fmt.Fprintln(c.stdout, c.cat.T("cli.share.create.code", map[string]any{"Code": res.Code.String()}))
	}
	if j.Link != "" {
		fmt.Fprintln(c.stdout, c.cat.T("cli.share.create.link", nil))
		fmt.Fprintln(c.stdout, j.Link)
	}
	c.printSent(sent)
	return nil
}

type jsonDraftRecord struct {
	ID       string           `json:"id"`
	Category string           `json:"category"`
	Fields   []jsonDraftField `json:"fields"`
}

type jsonDraftField struct {
	Field string `json:"field"`
	Value string `json:"value"` // masked for a sensitive field or the BSN
}

type jsonDraftDocument struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	Record string `json:"record"`
}

type jsonDraft struct {
	DryRun      bool                `json:"dry_run"`
	To          string              `json:"to"`
	Fingerprint string              `json:"fingerprint,omitempty"`
	Purpose     string              `json:"purpose"`
	Expires     time.Time           `json:"expires"`
	Records     []jsonDraftRecord   `json:"records"`
	Documents   []jsonDraftDocument `json:"documents"`
}

// printDraft is --dry-run: exactly what would leave, from the draft that
// would be signed (its Preview), with sensitive values and the BSN
// masked. Nothing is written or logged.
func (c *cli) printDraft(d *share.Draft) error {
	p := d.Preview()
	j := jsonDraft{DryRun: true, Purpose: d.Purpose, Expires: d.NotAfter, Records: []jsonDraftRecord{}, Documents: []jsonDraftDocument{}}
	if d.To != nil {
		j.To, j.Fingerprint = d.To.Org, bundle.ShortFingerprint(d.To.Fingerprint())
	} else {
		j.To = c.cat.T("cli.share.to_share_code", nil)
	}
	for _, r := range p.Records {
		jr := jsonDraftRecord{ID: r.ID, Category: r.Category, Fields: []jsonDraftField{}}
		def, _ := schema.Lookup(r.Category)
		for _, f := range r.Fields {
			value := f.Display
			if sf, ok := def.Field(f.ID); ok && (sf.Sensitive || sf.Type == schema.BSN) {
				value = sf.Display(f.Value)
			}
			jr.Fields = append(jr.Fields, jsonDraftField{Field: f.ID, Value: value})
		}
		j.Records = append(j.Records, jr)
	}
	for _, doc := range p.Documents {
		j.Documents = append(j.Documents, jsonDraftDocument{ID: doc.ID, Name: doc.Name, Size: doc.Size, Record: doc.Record})
	}
	if c.json {
		return c.printJSON(j)
	}
	t := c.cat.T
	title := "cli.share.dry_run.title"
	if j.Fingerprint == "" {
		title = "cli.share.dry_run.title_code"
	}
	fmt.Fprintln(c.stdout, t(title, map[string]any{"To": j.To, "Fingerprint": j.Fingerprint,
		"Records": c.cat.N("cli.count.records", len(j.Records), nil), "Documents": c.cat.N("cli.count.documents", len(j.Documents), nil)}))
	for _, r := range p.Records {
		fmt.Fprintf(c.stdout, "%s %s\n", c.cat.Category(r.Category), r.ID[:8])
		def, _ := schema.Lookup(r.Category)
		for _, f := range r.Fields {
			value := f.Display
			if sf, ok := def.Field(f.ID); ok {
				value = c.display(r.Category, sf, f.Value) // as kluisctl shows values everywhere
			}
			fmt.Fprintf(c.stdout, "  %s %s\n", withColon(c.cat.Field(r.Category, f.ID)), oneLineValue(value))
		}
		for _, doc := range j.Documents {
			if doc.Record == r.ID {
				fmt.Fprintf(c.stdout, "  %s\n", t("cli.share.dry_run.document", map[string]any{"Name": doc.Name, "Size": c.cat.N("cli.count.bytes", int(doc.Size), nil)}))
			}
		}
	}
	fmt.Fprintln(c.stdout, t("cli.share.dry_run.nothing_sent", nil))
	return nil
}

// shares returns the shares made, newest first.
func (c *cli) shares(v *vault.Vault) ([]share.Info, error) {
	list, err := share.List(v)
	var damaged *share.DamagedError
	if errors.As(err, &damaged) {
		return nil, c.about(vault.ErrDamaged, "cli.share.what.share", map[string]any{"ID": damaged.ID})
	}
	return list, c.aboutVault(err)
}

// shareStatusKeys are the message keys of the states of a share.
var shareStatusKeys = map[share.Status]string{
	share.Active:  "cli.share.status.active",
	share.Expired: "cli.share.status.expired",
	share.Revoked: "cli.share.status.revoked",
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
				Purpose: s.Purpose, Records: len(s.Records), Documents: len(s.Documents), Status: string(s.Status(now)), Receipts: len(s.Receipts)})
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
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.To, untilDay(j.Expires),
				t(shareStatusKeys[share.Status(j.Status)], nil), receipt, j.Purpose)
		}
		return tw.Flush()
	})
}

// findShare finds a share by its id or the start of it.
func (c *cli) findShare(v *vault.Vault, arg string) (share.Info, error) {
	list, err := c.shares(v)
	if err != nil {
		return share.Info{}, err
	}
	var found []share.Info
	for _, s := range list {
		if s.ID == strings.ToLower(arg) || (len(arg) >= minPrefix && strings.HasPrefix(s.ID, strings.ToLower(arg))) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return share.Info{}, c.about(vault.ErrNotFound, "cli.share.what.share", map[string]any{"ID": arg})
	}
	return share.Info{}, c.ambiguous(arg, len(found))
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
		var sendTo *bundle.Card
		if shareFlags.send {
			// Checked before anything is written or revoked.
			if sendTo, err = c.revocationCard(v, s); err != nil {
				return err
			}
		}
		var revoked share.Info
		var notice []byte
		err = writeAtomic(c.output, func(f *os.File) error {
			n, info, err := share.Revoke(v, s.ID, time.Now())
			if err != nil {
				return c.aboutVault(err)
			}
			revoked, notice = info, n
			_, err = f.Write(n)
			return err
		})
		if err != nil {
			return c.about(err, "cli.what.file", map[string]any{"Path": c.output})
		}
		s = revoked
		res := map[string]any{"id": s.ID, "notice": c.output, "revoked": s.Revoked}
		if sendTo == nil {
			return c.done("cli.share.revoke.done", map[string]any{"ID": s.ID, "Path": c.output}, res)
		}
		ctx, stop := c.interruptible()
		defer stop()
		err = citizenpost.SendRevocation(ctx, v, s.ID, notice, c.output, sendTo)
		res["sent"] = err == nil
		if err != nil {
			res["code"] = codeOf(err)
			if c.json {
				if perr := c.printJSON(res); perr != nil {
					return perr
				}
			}
			return c.sendProblem(err, c.output, "cli.share.revoke.send_failed")
		}
		return c.done("cli.share.revoke.sent", map[string]any{"ID": s.ID, "Org": sendTo.Org}, res)
	})
}

// revocationCard is the kept card with an inbox that share s (or its
// revocation) goes to, or a usage error.
func (c *cli) revocationCard(v *vault.Vault, s share.Info) (*bundle.Card, error) {
	if s.Recipient.Kind != bundle.RecipientCard {
		return nil, c.usage("share", "cli.share.usage.send_code", nil)
	}
	kept, err := share.Cards(v)
	if err != nil {
		return nil, c.aboutVault(err)
	}
	for _, k := range kept {
		if k.Card.Fingerprint() == s.Recipient.Fingerprint && k.Card.Inbox != "" {
			return k.Card, nil
		}
	}
	return nil, c.usage("share", "cli.share.usage.send_no_inbox", map[string]any{"Org": s.Recipient.Org})
}

// cmdReceiptImport checks a municipality's receipt and keeps it with the
// share it is for, in the activity log. The receipt is a file (as is, or
// armored) or, when the argument starts with "kluis:", the
// kluis:receipt/v1/ link itself, as the caseworkers' desk hands it out.
func (c *cli) cmdReceiptImport(args []string) error {
	arg := args[0]
	b, err := c.readReceipt(arg)
	if err != nil {
		return c.about(err, "cli.receipt.what.receipt", map[string]any{"Path": shortArg(arg)})
	}
	r, err := bundle.ParseReceipt(b)
	if err != nil {
		return c.about(err, "cli.receipt.what.receipt", map[string]any{"Path": shortArg(arg)})
	}
	return c.withVault(func(v *vault.Vault) error {
		s, err := c.findShare(v, r.BundleID)
		if err != nil {
			return err
		}
		what := map[string]any{"Path": shortArg(arg)}
		res, err := share.ImportReceipt(v, b)
		switch {
		case errors.Is(err, share.ErrOtherBundle):
			return c.about(c.problem("cli.receipt.error.other_bundle", nil), "cli.receipt.what.receipt", what)
		case errors.Is(err, share.ErrOtherOrg):
			return c.about(c.problem("cli.receipt.error.other_org", map[string]any{"Org": s.Recipient.Org}), "cli.receipt.what.receipt", what)
		case err != nil:
			return c.aboutVault(err)
		case res.Already:
			return c.done("cli.receipt.import.already", map[string]any{"ID": s.ID}, map[string]any{"id": s.ID, "already": true})
		}
		key := "cli.receipt.import.done"
		if !res.Verified {
			key = "cli.receipt.import.done_unverified"
		}
		if res.Verified && !res.CardKept && !c.json {
			// A receipt does not make an organisation known (see
			// share.ReceiptResult.CardKept).
			fmt.Fprintln(c.stderr, "kluisctl: "+oneLine(c.cat.T("cli.receipt.import.card_not_kept", map[string]any{"Org": s.Recipient.Org,
				"Fingerprint": bundle.ShortFingerprint(s.Recipient.Fingerprint)})))
		}
		return c.done(key, map[string]any{"ID": s.ID, "Org": r.Org, "KeptUntil": untilDay(r.KeptUntil)},
			map[string]any{"id": s.ID, "org": r.Org, "imported_at": r.ImportedAt, "kept_until": r.KeptUntil, "verified": res.Verified, "card_kept": res.CardKept})
	})
}

// readReceipt returns the receipt file arg holds: a kluis: link itself, or
// a file with the receipt as is or armored.
func (c *cli) readReceipt(arg string) ([]byte, error) {
	in := []byte(arg)
	if !strings.HasPrefix(strings.TrimSpace(arg), "kluis:") {
		var err error
		if in, err = c.readSmallFile(arg); err != nil {
			return nil, err
		}
	}
	return bundle.DecodeReceipt(in)
}

// readSmallFile reads a card, notice or receipt (at most 64 KiB).
func (c *cli) readSmallFile(path string) ([]byte, error) {
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
		return nil, c.problem("cli.error.file_too_large", map[string]any{"Max": "64 KiB"})
	}
	return b, nil
}
