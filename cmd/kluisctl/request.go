package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"kluis/citizen/cases"
	citizenpost "kluis/citizen/post"
	"kluis/citizen/share"
	"kluis/internal/cmdline"
	"kluis/sync/bundle"
	"kluis/sync/post"
	"kluis/sync/request"
	"kluis/sync/schema"
	"kluis/vault"
)

// readRequest reads a data request from a file or, when arg starts with
// "kluis:", from the link itself.
func readRequest(arg string) ([]byte, error) {
	if strings.HasPrefix(strings.TrimSpace(arg), "kluis:") {
		return []byte(arg), nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Armored text is a third larger than the file it carries.
	return io.ReadAll(io.LimitReader(f, 4*request.MaxFile+1))
}

// requestProblem says a refusal of a request in the person's language.
func (c *cli) requestProblem(err error) error {
	if request.CodeOf(err) != "" {
		return &cmdline.Problem{Msg: c.cat.Error(err)}
	}
	switch {
	case errors.Is(err, cases.ErrAnswered):
		return c.problem("cli.request.error.answered", nil)
	case errors.Is(err, cases.ErrRefused):
		return c.problem("cli.request.error.refused", nil)
	case errors.Is(err, cases.ErrOutsideRequest):
		return c.problem("cli.request.error.outside", nil)
	}
	return err
}

// openRequest reads and checks the request arg names and compares its
// card with the cards kept in v. A request that does not pass is refused
// with its reason; nothing is kept.
func (c *cli) openRequest(v *vault.Vault, arg string) (*request.Opened, error) {
	what := map[string]any{"Path": shortArg(arg)}
	b, err := readRequest(arg)
	if err != nil {
		return nil, c.about(err, "cli.request.what.request", what)
	}
	known, err := cases.KnownCards(v)
	if err != nil {
		return nil, c.aboutVault(err)
	}
	o, err := request.Open(b, known)
	if err != nil {
		return nil, c.about(c.requestProblem(err), "cli.request.what.request", what)
	}
	return o, nil
}

func shortArg(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

type jsonRequest struct {
	ID            string     `json:"id"`
	Org           string     `json:"org"`
	OIN           string     `json:"oin,omitempty"`
	Fingerprint   string     `json:"fingerprint"`
	Trust         string     `json:"trust"` // known, unknown, impostor
	Purpose       string     `json:"purpose"`
	LegalBasis    string     `json:"legal_basis,omitempty"`
	CaseReference string     `json:"case_reference,omitempty"`
	Message       string     `json:"message,omitempty"`
	Scope         []jsonItem `json:"scope"`
	Created       time.Time  `json:"created"`
	AnswerBy      time.Time  `json:"answer_by"`
	KeepUntil     time.Time  `json:"keep_until"`
	Expired       bool       `json:"expired"`
	OverAsking    []string   `json:"over_asking"`
	Unregistered  bool       `json:"purpose_not_registered,omitempty"`
	Checked       bool       `json:"purpose_checked"`
	State         string     `json:"state"` // open, answered, refused
	Thread        string     `json:"thread"`
}

type jsonItem struct {
	Category string   `json:"category"`
	Fields   []string `json:"fields,omitempty"`
}

func requestJSON(o *request.Opened, th *cases.Thread, now time.Time) jsonRequest {
	r := o.Request
	oa := o.OverAsking()
	j := jsonRequest{ID: r.ID, Org: o.Card.Org, OIN: o.Card.OIN, Fingerprint: o.Fingerprint(), Trust: o.Trust.String(),
		Purpose: r.Purpose, LegalBasis: r.LegalBasis, CaseReference: r.CaseReference, Message: r.Message,
		Created: r.Created, AnswerBy: r.AnswerBy, KeepUntil: r.KeepUntil, Expired: r.Expired(now),
		OverAsking: append([]string{}, oa.Extra...), Unregistered: oa.Unregistered, Checked: oa.Checked,
		State: th.State(r.ID), Thread: th.ID}
	for _, it := range r.Scope {
		j.Scope = append(j.Scope, jsonItem{Category: it.Category, Fields: it.Fields})
	}
	return j
}

// cmdRequestShow shows what a data request asks, from whom, whether that
// organisation is known, and what it asks beyond its registered purpose.
// The request is kept in its case thread.
func (c *cli) cmdRequestShow(args []string) error {
	return c.withVault(func(v *vault.Vault) error {
		o, err := c.openRequest(v, args[0])
		if err != nil {
			return err
		}
		th, err := cases.Receive(v, o)
		if err != nil {
			return c.aboutVault(err)
		}
		j := requestJSON(o, th, time.Now())
		if c.json {
			return c.printJSON(j)
		}
		c.printRequest(j)
		return nil
	})
}

// itemText is a requested item in words: "Inkomsten (alles)" or
// "Vaste lasten: Soort, Bedrag".
func (c *cli) itemText(it jsonItem) string {
	if it.Fields == nil {
		return c.cat.T("cli.request.item_all", map[string]any{"Category": c.cat.Category(it.Category)})
	}
	var names []string
	for _, f := range it.Fields {
		names = append(names, c.cat.Field(it.Category, f))
	}
	return c.cat.Category(it.Category) + ": " + strings.Join(names, ", ")
}

// extraText names an over-asked item: a category or "Category: Field".
func (c *cli) extraText(x string) string {
	cat, field, ok := strings.Cut(x, ".")
	if !ok {
		return c.cat.Category(cat)
	}
	return c.cat.Category(cat) + ": " + c.cat.Field(cat, field)
}

func (c *cli) printRequest(j jsonRequest) {
	t := c.cat.T
	out := c.stdout
	fmt.Fprintln(out, t("cli.request.show.title", map[string]any{"Org": j.Org}))
	switch j.Trust {
	case "known":
		fmt.Fprintln(out, t("cli.request.trust.known", map[string]any{"Org": j.Org, "Fingerprint": j.Fingerprint}))
	case "impostor":
		fmt.Fprintln(out, t("cli.request.trust.impostor", map[string]any{"Org": j.Org, "Fingerprint": j.Fingerprint}))
	default:
		fmt.Fprintln(out, t("cli.request.trust.unknown", map[string]any{"Org": j.Org, "Fingerprint": j.Fingerprint}))
	}
	fmt.Fprintln(out)
	tw := c.table()
	row := func(key, value string) {
		if value != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", t(key, nil), value)
		}
	}
	row("cli.request.label.purpose", j.Purpose)
	row("cli.request.label.legal_basis", j.LegalBasis)
	row("cli.request.label.case", j.CaseReference)
	for i, it := range j.Scope {
		label := ""
		if i == 0 {
			label = t("cli.request.label.asks", nil) + ":"
		}
		fmt.Fprintf(tw, "%s\t%s\n", label, c.itemText(it))
	}
	row("cli.request.label.answer_by", untilTime(j.AnswerBy))
	row("cli.request.label.keep_until", untilDay(j.KeepUntil))
	row("cli.request.label.id", j.ID)
	row("cli.request.label.thread", j.Thread[:8])
	tw.Flush()
	if j.Message != "" {
		fmt.Fprintln(out)
		fmt.Fprintln(out, t("cli.request.label.message", nil)+":")
		for _, line := range strings.Split(j.Message, "\n") {
			fmt.Fprintln(out, "  "+line)
		}
	}
	fmt.Fprintln(out)
	switch {
	case j.Unregistered:
		fmt.Fprintln(out, t("cli.request.overask.unregistered", map[string]any{"Org": j.Org, "Purpose": j.Purpose}))
	case len(j.OverAsking) > 0:
		var names []string
		for _, x := range j.OverAsking {
			names = append(names, c.extraText(x))
		}
		fmt.Fprintln(out, t("cli.request.overask.extra", map[string]any{"Org": j.Org, "Purpose": j.Purpose, "Extra": strings.Join(names, "; ")}))
	case j.Checked:
		fmt.Fprintln(out, t("cli.request.overask.none", nil))
	default:
		fmt.Fprintln(out, t("cli.request.overask.unchecked", nil))
	}
	switch {
	case j.State == "answered":
		fmt.Fprintln(out, t("cli.request.state.answered", nil))
	case j.State == "refused":
		fmt.Fprintln(out, t("cli.request.state.refused", nil))
	case j.Expired:
		fmt.Fprintln(out, t("cli.request.state.expired", nil))
	default:
		fmt.Fprintln(out, t("cli.request.state.open", nil))
	}
}

// refuseMessage is request refuse's --message.
var refuseMessage string

func requestRefuseFlags(c *cli, f *cmdline.FlagSet) {
	refuseMessage = ""
	f.Str(&refuseMessage, "message", "TEXT", "cli.request.flag.message")
	f.Str(&c.output, "o", "FILE", "cli.message.flag.output")
	f.Alias("output", "o")
}

// cmdRequestRefuse notes in the request's thread and the activity log that
// the citizen says no. With --message a message that refuses the request
// goes to the organisation: straight to its desk when its card names one,
// else into a file to send another way. Without, nothing is sent: the
// organisation hears it from the citizen, or sees no answer by the date.
func (c *cli) cmdRequestRefuse(args []string) error {
	text := post.NormalizeText(refuseMessage)
	if text != "" {
		if err := post.CheckText(text); err != nil {
			return err
		}
	}
	if c.output != "" {
		if _, err := os.Lstat(c.output); err == nil {
			return c.about(c.problem("cli.error.file_exists", nil), "cli.what.file", map[string]any{"Path": c.output})
		}
	}
	return c.withVault(func(v *vault.Vault) error {
		o, err := c.openRequest(v, args[0])
		if err != nil {
			return err
		}
		ctx, stop := c.interruptible()
		defer stop()
		th, sent, err := citizenpost.RefuseRequest(ctx, v, o, text)
		var ke *citizenpost.KeptError
		switch {
		case errors.Is(err, cases.ErrAnswered):
			return c.requestProblem(err)
		case err != nil && th == nil:
			return c.aboutVault(err)
		case err != nil && !errors.As(err, &ke):
			// Refused and noted; only the message could not go.
			return c.sendProblem(err, "", "cli.share.send.failed")
		}
		res := map[string]any{"id": o.Request.ID, "thread": th.ID, "state": "refused"}
		if sent.Message == nil {
			return c.done("cli.request.refuse.done", map[string]any{"Org": o.Card.Org, "Thread": th.ID[:8]}, res)
		}
		res["message"], res["sent"] = sent.Message.ID, sent.Posted
		if !c.json {
			fmt.Fprintln(c.stdout, c.cat.T("cli.request.refuse.done", map[string]any{"Org": o.Card.Org, "Thread": th.ID[:8]}))
		}
		if sent.Posted {
			return c.done("cli.request.refuse.sent", map[string]any{"Org": o.Card.Org}, res)
		}
		return c.keepMessage(sent, ke, o.Card.Org, res)
	})
}

// keepAnyway is card add's --keep-anyway.
var keepAnyway bool

// cmdCardAdd keeps an organisation card, so that its requests show as
// coming from a known organisation. A card that could pass for a kept
// card of another key (a same-looking name, the same OIN) is refused
// unless --keep-anyway.
func (c *cli) cmdCardAdd(args []string) error {
	b, err := c.readSmallFile(args[0])
	if err != nil {
		return c.about(err, "cli.share.what.card", map[string]any{"Path": args[0]})
	}
	if _, err := bundle.ParseCard(b); err != nil {
		return c.about(err, "cli.share.what.card", map[string]any{"Path": args[0]})
	}
	return c.withVault(func(v *vault.Vault) error {
		keep := share.RememberCard
		if keepAnyway {
			keep = share.KeepCardAnyway
		}
		card, err := keep(v, b)
		var clash *share.CardClashError
		if errors.As(err, &clash) {
			return &cmdline.Problem{Msg: c.cat.Error(err)}
		}
		if err != nil {
			return c.aboutVault(err)
		}
		fp := bundle.ShortFingerprint(card.Fingerprint())
		if keepAnyway {
			// Said loudly, also when kept: requests with this card now
			// count as known.
			if k, err := share.Clash(v, card); err == nil && k != nil {
				fmt.Fprintln(c.stderr, "kluisctl: "+oneLine(c.cat.Error(&share.CardClashError{Card: card, Kept: k})))
			}
		}
		return c.done("cli.card.add.done", map[string]any{"Org": card.Org, "Fingerprint": fp},
			map[string]any{"org": card.Org, "oin": card.OIN, "fingerprint": fp, "fingerprint_full": card.Fingerprint()})
	})
}

func (c *cli) cmdCardList([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		cards, err := share.Cards(v)
		if err != nil {
			return c.aboutVault(err)
		}
		type jsonCard struct {
			Org         string `json:"org"`
			OIN         string `json:"oin,omitempty"`
			Fingerprint string `json:"fingerprint"`
		}
		out := []jsonCard{}
		for _, k := range cards {
			out = append(out, jsonCard{Org: k.Card.Org, OIN: k.Card.OIN, Fingerprint: bundle.ShortFingerprint(k.Card.Fingerprint())})
		}
		if c.json {
			return c.printJSON(out)
		}
		if len(out) == 0 {
			fmt.Fprintln(c.stdout, c.cat.T("cli.card.list.empty", nil))
			return nil
		}
		tw := c.table()
		for _, j := range out {
			fmt.Fprintf(tw, "%s\t%s\n", j.Fingerprint, j.Org)
		}
		return tw.Flush()
	})
}

// cmdShareAnswer is share create --answer REQUEST: a bundle for the
// organisation that asked, bound to its request. The scope is what the
// request asks unless --scope, --record or --exclude-field narrow it; the
// expiry is the request's keep-until date unless --expires says otherwise.
func (c *cli) cmdShareAnswer() error {
	o := shareFlags
	const verb = "share create"
	switch {
	case o.to != "" || o.shareCode:
		return c.usage(verb, "cli.request.usage.answer_recipient", nil)
	case c.output == "" && !o.dryRun:
		return c.usage(verb, "cli.usage.needs_output", nil)
	}
	now := time.Now()
	var notAfter time.Time
	if o.expires != "" {
		var ok bool
		if notAfter, ok = parseExpiry(o.expires, now); !ok {
			return c.usage(verb, "cli.share.usage.expires", map[string]any{"Expires": o.expires})
		}
	}
	message := strings.TrimSpace(o.message)
	if message != "" {
		if err := bundle.CheckMessage(message); err != nil {
			return c.usage(verb, "cli.request.usage.message", nil)
		}
	}
	target := c.output
	if _, err := os.Lstat(target); err == nil && !o.dryRun {
		return c.about(c.problem("cli.error.file_exists", nil), "cli.what.file", map[string]any{"Path": target})
	}
	return c.withVault(func(v *vault.Vault) error {
		if err := c.needName(v); err != nil {
			return err
		}
		ctx, stop := c.interruptible()
		defer stop()
		req, err := c.openRequest(v, o.answer)
		if err != nil {
			return err
		}
		if err := req.CanAnswer(now); err != nil {
			return c.requestProblem(err)
		}
		// The app's rules: an impostor's request is not answered; an
		// unknown sender's only with --accept-unknown; what the card does
		// not register for the purpose only when --include-over-asked
		// names it.
		what := map[string]any{"Org": req.Card.Org, "Fingerprint": req.Fingerprint()}
		switch req.Trust {
		case request.Impostor:
			return c.problem("cli.request.error.impostor", what)
		case request.Unknown:
			if !o.acceptUnknown {
				return c.problem("cli.request.error.unknown", what)
			}
		}
		notRegistered := req.NotRegistered()
		for _, x := range o.overAsked {
			if !slices.Contains(notRegistered, x) {
				return c.usage(verb, "cli.request.usage.not_over_asked", map[string]any{"Item": x})
			}
		}
		if req.Trust == request.Unknown {
			fmt.Fprintln(c.stderr, "kluisctl: "+oneLine(c.cat.T("cli.request.answer.not_known", what)))
		}
		var sendTo *bundle.Card
		if o.send && !o.dryRun {
			if sendTo, err = c.sendCard(v, req.Card); err != nil {
				return err
			}
		}
		var scope share.Scope
		if o.scope == "" && len(o.records) == 0 {
			scope.Categories = req.Request.Categories()
		}
		for _, cat := range strings.Split(o.scope, ",") {
			if cat = strings.TrimSpace(cat); cat != "" {
				scope.Categories = append(scope.Categories, cat)
			}
		}
		scope.ExcludedFields = append(scope.ExcludedFields, o.excluded...)
		if err := scope.Check(); err != nil {
			return err
		}
		var left []string
		for _, x := range notRegistered {
			if slices.Contains(o.overAsked, x) {
				continue
			}
			left = append(left, c.extraText(x))
			cat, _, ok := strings.Cut(x, ".")
			if ok {
				scope.ExcludedFields = append(scope.ExcludedFields, x)
				continue
			}
			// A whole category: none of its fields goes, in a category
			// or a single record.
			scope.Categories = slices.DeleteFunc(scope.Categories, func(c string) bool { return c == cat })
			def, _ := schema.Lookup(cat)
			for _, f := range def.Fields {
				scope.ExcludedFields = append(scope.ExcludedFields, cat+"."+f.ID)
			}
		}
		if len(left) > 0 {
			fmt.Fprintln(c.stderr, "kluisctl: "+oneLine(c.cat.T("cli.request.answer.over_asked_left_out",
				map[string]any{"Org": req.Card.Org, "Extra": strings.Join(left, "; ")})))
		}
		for _, id := range o.records {
			r, err := c.record(v, id)
			if err != nil {
				return err
			}
			if !slices.Contains(scope.Records, r.ID) {
				scope.Records = append(scope.Records, r.ID)
			}
		}
		d, err := cases.Prepare(ctx, v, req, scope)
		if err != nil {
			return c.answerProblem(err, target)
		}
		if o.dryRun {
			if !notAfter.IsZero() {
				d.NotAfter = notAfter
			}
			return c.printDraft(d)
		}
		var res share.Result
		err = writeAtomic(target, func(f *os.File) error {
			w := bufio.NewWriterSize(f, 256<<10)
			a := cases.Answer{Draft: d, Message: message, NotAfter: notAfter, Now: now,
				Armor: o.armor, Compress: o.qr != "", File: target}
			a.Flush = func() error {
				if err := w.Flush(); err != nil {
					return err
				}
				if o.qr != "" {
					return c.writeQR(f, o.qr, o.armor)
				}
				return nil
			}
			var err error
			res, err = cases.Respond(ctx, v, req, a, w, nil)
			return err
		})
		if err != nil {
			return c.answerProblem(err, target)
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

// answerProblem puts a failure to answer a request into target into words.
func (c *cli) answerProblem(err error, target string) error {
	switch {
	case errors.Is(err, share.ErrNothing):
		return c.problem("cli.share.error.nothing", nil)
	case request.CodeOf(err) != "", errors.Is(err, cases.ErrRefused), errors.Is(err, cases.ErrOutsideRequest):
		return c.requestProblem(err)
	case errors.Is(err, vault.ErrLocked), errors.Is(err, vault.ErrDamaged):
		return c.aboutVault(err)
	}
	return c.about(err, "cli.what.file", map[string]any{"Path": target})
}
