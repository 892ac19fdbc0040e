package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"kluis/citizen/cases"
	citizenpost "kluis/citizen/post"
	"kluis/citizen/share"
	"kluis/internal/cmdline"
	"kluis/sync/bundle"
	"kluis/sync/post"
	"kluis/vault"
)

// The direct route to an organisation's desk (package citizen/post):
// share create --send, share revoke --send, inbox, message send, share
// access and request refuse --message.

// jsonSent is what --send did, in --json output.
type jsonSent struct {
	Sent      bool       `json:"sent"`
	Org       string     `json:"org"`
	KeptUntil *time.Time `json:"kept_until,omitempty"` // the receipt's
	Verified  bool       `json:"verified,omitempty"`
	Code      string     `json:"code,omitempty"`    // why it was not sent
	KeptAs    string     `json:"kept_as,omitempty"` // the file to send another way
}

// sendProblem says why sending what is in path failed: a *KeptError says
// it all itself; anything else is said after where the file is.
func (c *cli) sendProblem(err error, path, key string) error {
	var ke *citizenpost.KeptError
	if errors.As(err, &ke) {
		return err
	}
	if errors.Is(err, vault.ErrLocked) || errors.Is(err, vault.ErrDamaged) {
		return c.aboutVault(err)
	}
	return c.problem(key, map[string]any{"Path": path, "Reason": c.postReason(err)})
}

// postReason is the sentence of an error of the direct route. A desk's
// refusal with a code this catalog does not know is said as a refusal.
func (c *cli) postReason(err error) string {
	var re *post.RemoteError
	if errors.As(err, &re) && !c.cat.Has("error."+re.ErrorCode()) {
		return c.cat.T("error.post.refused", nil)
	}
	return c.cat.Error(err)
}

// deliver posts share id to card's desk and says so; the share's file
// stays whatever happens.
func (c *cli) deliver(ctx context.Context, v *vault.Vault, id string, card *bundle.Card, path string) (*jsonSent, error) {
	j := &jsonSent{Org: card.Org}
	res, err := citizenpost.Deliver(ctx, v, id, card)
	if err != nil {
		j.Code = codeOf(err)
		j.KeptAs = path
		return j, c.sendProblem(err, path, "cli.share.send.failed")
	}
	j.Sent, j.Verified = true, res.Verified
	kept := res.Receipt.KeptUntil
	j.KeptUntil = &kept
	return j, nil
}

func codeOf(err error) string {
	var re *post.RemoteError
	if errors.As(err, &re) {
		return re.ErrorCode()
	}
	type coded interface{ ErrorCode() string }
	var ce coded
	if errors.As(err, &ce) {
		return ce.ErrorCode()
	}
	return ""
}

// printSent says what --send did, after the share line.
func (c *cli) printSent(j *jsonSent) {
	if j == nil || !j.Sent || c.json {
		return
	}
	if !j.Verified {
		fmt.Fprintln(c.stdout, c.cat.T("cli.share.send.done_unverified", nil))
		return
	}
	fmt.Fprintln(c.stdout, c.cat.T("cli.share.send.done", map[string]any{"Org": j.Org, "KeptUntil": untilDay(*j.KeptUntil)}))
}

// sendCard is the card a share --to card is sent with: the kept card of
// the same organisation when there is one (it may name the inbox), else
// the card given. It must name an inbox.
func (c *cli) sendCard(v *vault.Vault, card *bundle.Card) (*bundle.Card, error) {
	kept, err := share.Cards(v)
	if err != nil {
		return nil, c.aboutVault(err)
	}
	for _, k := range kept {
		if k.Card.Fingerprint() == card.Fingerprint() && k.Card.Inbox != "" {
			return k.Card, nil
		}
	}
	if card.Inbox == "" {
		return nil, c.usage("share create", "cli.share.usage.send_no_inbox", map[string]any{"Org": card.Org})
	}
	return card, nil
}

// cmdShareSend delivers a share made before (its saved file) to the desk
// of its organisation's kept card: again after the desk was down.
func (c *cli) cmdShareSend(args []string) error {
	return c.withVault(func(v *vault.Vault) error {
		s, err := c.findShare(v, args[0])
		if err != nil {
			return err
		}
		card, err := c.revocationCard(v, s)
		if err != nil {
			return err
		}
		ctx, stop := c.interruptible()
		defer stop()
		j, err := c.deliver(ctx, v, s.ID, card, s.File)
		if c.json {
			if perr := c.printJSON(map[string]any{"id": s.ID, "file": s.File, "sent": j}); perr != nil {
				return perr
			}
			return err
		}
		if err != nil {
			return err
		}
		c.printSent(j)
		return nil
	})
}

// findCard finds the organisation card arg names: a card file, or a kept
// card by the start of its fingerprint or by its organisation's name.
func (c *cli) findCard(v *vault.Vault, arg string) (*bundle.Card, error) {
	if st, err := os.Stat(arg); err == nil && st.Mode().IsRegular() {
		b, err := c.readSmallFile(arg)
		if err == nil {
			var card *bundle.Card
			if card, err = bundle.ParseCard(b); err == nil {
				return card, nil
			}
		}
		return nil, c.about(err, "cli.share.what.card", map[string]any{"Path": arg})
	}
	kept, err := share.Cards(v)
	if err != nil {
		return nil, c.aboutVault(err)
	}
	want := strings.ToLower(strings.ReplaceAll(arg, " ", ""))
	var found []*bundle.Card
	for _, k := range kept {
		fp := k.Card.Fingerprint()
		if strings.EqualFold(k.Card.Org, strings.TrimSpace(arg)) || (len(want) >= minPrefix && strings.HasPrefix(fp, want)) {
			found = append(found, k.Card)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, c.problem("cli.message.error.no_card", map[string]any{"Card": arg})
	}
	return nil, c.ambiguous(arg, len(found))
}

// messageOptions are the flags of message send.
var messageOptions struct {
	to, caseRef, file string
}

func messageSendFlags(c *cli, f *cmdline.FlagSet) {
	o := &messageOptions
	*o = struct{ to, caseRef, file string }{}
	f.Str(&o.to, "to", "CARD", "cli.message.flag.to")
	f.Str(&o.caseRef, "case", "REF", "cli.message.flag.case")
	f.Str(&o.file, "file", "FILE", "cli.message.flag.file")
	f.Str(&c.output, "o", "FILE", "cli.message.flag.output")
	f.Alias("output", "o")
}

// cmdMessageSend writes to an organisation about a case: straight to its
// desk when its card names one, else (or when the desk is down) into a
// file to send another way. Either way it is kept in the case's thread.
func (c *cli) cmdMessageSend(args []string) error {
	o := messageOptions
	const verb = "message send"
	if o.to == "" {
		return c.usage(verb, "cli.message.usage.to", nil)
	}
	if (len(args) == 0) == (o.file == "") {
		return c.usage(verb, "cli.message.usage.text", nil)
	}
	text := strings.Join(args, " ")
	if o.file != "" {
		b, err := c.readText(o.file)
		if err != nil {
			return c.about(err, "cli.what.file", map[string]any{"Path": o.file})
		}
		text = b
	}
	text = post.NormalizeText(text)
	if err := post.CheckText(text); err != nil {
		return err
	}
	if c.output != "" {
		if _, err := os.Lstat(c.output); err == nil {
			return c.about(c.problem("cli.error.file_exists", nil), "cli.what.file", map[string]any{"Path": c.output})
		}
	}
	return c.withVault(func(v *vault.Vault) error {
		card, err := c.findCard(v, o.to)
		if err != nil {
			return err
		}
		pc, err := c.caseFor(v, card, o.caseRef)
		if err != nil {
			return err
		}
		ctx, stop := c.interruptible()
		defer stop()
		sent, err := citizenpost.SendMessage(ctx, v, card, pc, text)
		var ke *citizenpost.KeptError
		if err != nil && !errors.As(err, &ke) {
			return c.sendProblem(err, "", "cli.share.send.failed")
		}
		res := map[string]any{"id": sent.Message.ID, "org": card.Org, "thread": sent.Thread.ID, "sent": sent.Posted}
		if sent.Posted {
			return c.done("cli.message.send.done", map[string]any{"Org": card.Org, "Thread": sent.Thread.ID[:8]}, res)
		}
		return c.keepMessage(sent, ke, card.Org, res)
	})
}

// keepMessage saves a message that did not go to the desk (none, or
// unreachable: ke) in a file — -o, or bericht-ID.kluis-message here —
// and says where, so the citizen can send it another way.
func (c *cli) keepMessage(sent citizenpost.Sent, ke *citizenpost.KeptError, org string, res map[string]any) error {
	path := c.output
	if path == "" {
		path = "bericht-" + sent.Message.ID[:8] + citizenpost.FileSuffix
	}
	if err := writeAtomic(path, func(f *os.File) error { _, err := f.Write(sent.File); return err }); err != nil {
		return c.about(err, "cli.what.file", map[string]any{"Path": path})
	}
	res["file"] = path
	if ke != nil {
		ke.File = path
		if c.json {
			res["code"] = ke.ErrorCode()
			if err := c.printJSON(res); err != nil {
				return err
			}
		}
		return ke
	}
	return c.done("cli.message.send.file", map[string]any{"Org": org, "Path": path, "Thread": sent.Thread.ID[:8]}, res)
}

// readText reads a message's text from a file (at most post.MaxText
// characters, so at most 4 bytes each).
func (c *cli) readText(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4*post.MaxText+1))
	if err != nil {
		return "", err
	}
	if len(b) > 4*post.MaxText || !utf8.Valid(b) {
		return "", &post.Error{Code: post.CodeTooLarge}
	}
	return string(b), nil
}

// caseFor is the case a message to card is about: --case names a thread
// (the start of its id), a share (the start of its id) or the
// organisation's case number; without it, the only thread with card's
// organisation.
func (c *cli) caseFor(v *vault.Vault, card *bundle.Card, ref string) (post.Case, error) {
	threads, err := cases.Threads(v)
	if err != nil {
		return post.Case{}, c.aboutVault(err)
	}
	var mine []*cases.Thread
	for _, t := range threads {
		if t.Fingerprint == card.Fingerprint() {
			mine = append(mine, t)
		}
	}
	if ref == "" {
		switch len(mine) {
		case 1:
			return citizenpost.CaseOf(mine[0]), nil
		case 0:
			return post.Case{}, c.usage("message send", "cli.message.usage.no_case", nil)
		}
		return post.Case{}, c.usage("message send", "cli.message.usage.case", map[string]any{"N": len(mine), "Org": card.Org})
	}
	low := strings.ToLower(ref)
	if len(low) >= minPrefix {
		for _, t := range mine {
			if strings.HasPrefix(t.ID, low) {
				return citizenpost.CaseOf(t), nil
			}
		}
		list, err := c.shares(v)
		if err != nil {
			return post.Case{}, err
		}
		for _, s := range list {
			if strings.HasPrefix(s.ID, low) && s.Recipient.Fingerprint == card.Fingerprint() {
				return post.Case{BundleID: s.ID, RequestID: s.RequestID, CaseReference: s.CaseReference}, nil
			}
		}
	}
	for _, t := range mine {
		if t.CaseReference == ref {
			return citizenpost.CaseOf(t), nil
		}
	}
	return post.Case{CaseReference: ref}, nil
}

type jsonArrival struct {
	Thread  string    `json:"thread"`
	Org     string    `json:"org"`
	From    string    `json:"from"`
	At      time.Time `json:"at"`
	ID      string    `json:"id"`
	Text    string    `json:"text"`
	Bundle  string    `json:"bundle_id,omitempty"`
	Request string    `json:"request_id,omitempty"`
}

type jsonAccessChange struct {
	ID     string `json:"id"`
	Org    string `json:"org"`
	New    int    `json:"new"`
	Broken bool   `json:"broken"`
}

type jsonFailed struct {
	Org    string `json:"org"`
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason"`
}

type jsonInbox struct {
	Cards    int                `json:"cards"`
	Messages []jsonArrival      `json:"messages"`
	Access   []jsonAccessChange `json:"access"`
	Refused  int                `json:"refused"`
	Failed   []jsonFailed       `json:"failed"`
}

// cmdInbox picks up what waits at every kept card's desk and lists the new
// messages. A desk that cannot be reached is said on standard error; the
// others are asked still (exit status 1 when one failed).
func (c *cli) cmdInbox([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		ctx, stop := c.interruptible()
		defer stop()
		got, err := citizenpost.Fetch(ctx, v)
		if err != nil {
			return c.aboutVault(err)
		}
		j := jsonInbox{Cards: got.Cards, Messages: []jsonArrival{}, Access: []jsonAccessChange{}, Refused: got.Refused, Failed: []jsonFailed{}}
		for _, a := range got.New {
			j.Messages = append(j.Messages, jsonArrival{Thread: a.Thread, Org: a.Org, From: a.Entry.From, At: a.Entry.At,
				ID: a.Entry.MessageID, Text: a.Entry.Message, Bundle: a.Entry.BundleID, Request: a.Entry.RequestID})
		}
		for _, ch := range got.Access {
			j.Access = append(j.Access, jsonAccessChange{ID: ch.BundleID, Org: ch.Org, New: ch.New, Broken: ch.Broken})
		}
		var failed error
		for _, f := range got.Failed {
			reason := c.postReason(f.Err)
			j.Failed = append(j.Failed, jsonFailed{Org: f.Org, Code: codeOf(f.Err), Reason: reason})
			failed = &cmdline.Problem{Msg: c.cat.T("cli.inbox.failed", map[string]any{"Org": f.Org, "Reason": reason})}
		}
		if c.json {
			if err := c.printJSON(j); err != nil {
				return err
			}
			return failed
		}
		c.printInbox(j)
		for _, f := range j.Failed[:max(0, len(j.Failed)-1)] {
			fmt.Fprintln(c.stderr, "kluisctl: "+oneLine(c.cat.T("cli.inbox.failed", map[string]any{"Org": f.Org, "Reason": f.Reason})))
		}
		return failed
	})
}

func (c *cli) printInbox(j jsonInbox) {
	t := c.cat.T
	out := c.stdout
	if j.Cards == 0 {
		fmt.Fprintln(out, t("cli.inbox.no_cards", nil))
		return
	}
	if len(j.Messages) == 0 {
		fmt.Fprintln(out, t("cli.inbox.empty", nil))
	} else {
		fmt.Fprintln(out, c.cat.N("cli.inbox.new", len(j.Messages), nil))
		for _, m := range j.Messages {
			fmt.Fprintln(out)
			fmt.Fprintln(out, t("cli.inbox.message", map[string]any{"When": m.At.Local().Format("2006-01-02 15:04"),
				"From": m.From, "Org": m.Org, "Thread": m.Thread[:8]}))
			printIndented(out, m.Text)
		}
	}
	for _, a := range j.Access {
		fmt.Fprintln(out)
		data := map[string]any{"ID": a.ID[:8], "Org": a.Org}
		if a.Broken && a.New == 0 {
			fmt.Fprintln(out, t("cli.inbox.access_broken", data))
			continue
		}
		fmt.Fprintln(out, c.cat.N("cli.inbox.access", a.New, data))
	}
	if j.Refused > 0 {
		fmt.Fprintln(out)
		fmt.Fprintln(out, c.cat.N("cli.inbox.refused", j.Refused, nil))
	}
}

func printIndented(w io.Writer, text string) {
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			fmt.Fprintln(w)
			continue
		}
		fmt.Fprintln(w, "    "+line)
	}
}

type jsonAccessEntry struct {
	At      time.Time `json:"at"`
	Role    string    `json:"role"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Purpose string    `json:"purpose,omitempty"`
}

type jsonAccess struct {
	ID        string            `json:"id"`
	Org       string            `json:"org"`
	Statement bool              `json:"statement"` // false: no statement yet
	Issued    *time.Time        `json:"issued,omitempty"`
	Broken    *time.Time        `json:"broken,omitempty"`
	Entries   []jsonAccessEntry `json:"entries"`
}

// accessActions are the actions of an organisation's processing log that
// have words of their own.
var accessActions = map[string]string{
	"import":   "cli.access.action.import",
	"view":     "cli.access.action.view",
	"download": "cli.access.action.download",
	"export":   "cli.access.action.export",
	"receipt":  "cli.access.action.receipt",
	"revoke":   "cli.access.action.revoke",
	"delete":   "cli.access.action.delete",
	"purge":    "cli.access.action.purge",
	"message":  "cli.access.action.message",
}

// cmdShareAccess prints who at the organisation did what with a share,
// and when, as its signed account says; a broken chain or no account yet
// is said as such.
func (c *cli) cmdShareAccess(args []string) error {
	return c.withVault(func(v *vault.Vault) error {
		s, err := c.findShare(v, args[0])
		if err != nil {
			return err
		}
		j := jsonAccess{ID: s.ID, Org: s.Recipient.Org, Entries: []jsonAccessEntry{}}
		rec, err := citizenpost.Access(v, s.ID)
		switch {
		case errors.Is(err, vault.ErrNotFound):
		case err != nil:
			return c.aboutVault(err)
		default:
			j.Statement, j.Issued, j.Broken = true, &rec.Issued, rec.Broken
			for _, e := range rec.Entries {
				j.Entries = append(j.Entries, jsonAccessEntry{At: e.At, Role: e.Role, Actor: e.Actor, Action: e.Action, Purpose: e.Purpose})
			}
		}
		if c.json {
			return c.printJSON(j)
		}
		c.printAccess(j, s.ByCode())
		return nil
	})
}

func (c *cli) printAccess(j jsonAccess, byCode bool) {
	t := c.cat.T
	out := c.stdout
	fmt.Fprintln(out, t("cli.access.title", map[string]any{"ID": j.ID[:8], "Org": j.Org}))
	fmt.Fprintln(out)
	switch {
	case byCode:
		fmt.Fprintln(out, t("cli.access.by_code", nil))
		return
	case !j.Statement:
		fmt.Fprintln(out, t("cli.access.none", map[string]any{"Org": j.Org}))
		return
	}
	if j.Broken != nil {
		fmt.Fprintln(out, t("cli.access.broken", map[string]any{"Org": j.Org, "When": j.Broken.Local().Format("2006-01-02 15:04")}))
		fmt.Fprintln(out)
	}
	if len(j.Entries) == 0 {
		fmt.Fprintln(out, t("cli.access.empty", map[string]any{"Org": j.Org}))
	}
	for _, e := range j.Entries {
		var who string
		switch e.Role {
		case post.RoleCaseworker:
			who = t("cli.access.role.caseworker", map[string]any{"Actor": e.Actor})
		case post.RoleAdmin:
			who = t("cli.access.role.admin", map[string]any{"Actor": e.Actor})
		default:
			who = t("cli.access.role.program", nil)
		}
		action := t("cli.access.action.unknown", map[string]any{"Action": e.Action})
		if key, ok := accessActions[e.Action]; ok {
			action = t(key, nil)
		}
		if e.Action == "message" && e.Role == post.RoleProgram {
			// The desk itself writes no messages: its entry is the
			// citizen's message, received.
			action = t("cli.access.action.message_received", nil)
		}
		data := map[string]any{"When": e.At.Local().Format("2006-01-02 15:04"), "Who": who, "Action": action, "Purpose": e.Purpose}
		key := "cli.access.entry"
		if e.Purpose != "" {
			key = "cli.access.entry_purpose"
		}
		fmt.Fprintln(out, t(key, data))
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, t("cli.access.issued", map[string]any{"Org": j.Org, "When": j.Issued.Local().Format("2006-01-02 15:04")}))
}
