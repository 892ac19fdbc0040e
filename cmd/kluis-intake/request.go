package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"kluis/intake"
	"kluis/internal/i18n"
	"kluis/sync/bundle"
	"kluis/sync/request"
)

// requestFlags are the flags of the request verb.
type requestFlags struct {
	scope, purpose, legalBasis, caseRef, message, answerBy, keepUntil, qr string
	armor                                                                 bool
}

func (c *cli) requestFlagSet(fs *flag.FlagSet) {
	r := &c.req
	fs.StringVar(&r.scope, "scope", "", "intake.flag.request.scope")
	fs.StringVar(&r.purpose, "purpose", "", "intake.flag.request.purpose")
	fs.StringVar(&r.legalBasis, "legal-basis", "", "intake.flag.request.legal_basis")
	fs.StringVar(&r.caseRef, "case", "", "intake.flag.request.case")
	fs.StringVar(&r.message, "message", "", "intake.flag.request.message")
	fs.StringVar(&r.answerBy, "answer-by", "", "intake.flag.request.answer_by")
	fs.StringVar(&r.keepUntil, "keep-until", "", "intake.flag.request.keep_until")
	fs.StringVar(&c.output, "o", "", "intake.flag.request.o")
	fs.BoolVar(&r.armor, "armor", false, "intake.flag.request.armor")
	fs.StringVar(&r.qr, "qr", "", "intake.flag.request.qr")
}

// endOfDay reads a date (the end of that day, local time) or an RFC 3339
// time.
func endOfDay(s string) (time.Time, bool) { return endOfDayIn(s, time.Local) }

// endOfDayIn is endOfDay in loc: 23:59:59 of the day, also on a day the
// clocks change (which is not 24 hours long).
func endOfDayIn(s string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return i18n.EndOfDay(t, loc), true
	}
	return time.Time{}, false
}

// cmdRequest makes a signed data request, keeps it in the store (so its
// answer can be matched) and writes it as a file, armored text and QR code.
func (c *cli) cmdRequest([]string) error {
	r := c.req
	now := time.Now()
	switch {
	case c.output == "":
		return c.usage("intake.usage.needs_output", nil)
	case strings.TrimSpace(r.scope) == "":
		return c.usage("intake.request.usage.scope", nil)
	case strings.TrimSpace(r.purpose) == "":
		return c.usage("intake.request.usage.purpose", nil)
	case r.answerBy == "":
		return c.usage("intake.request.usage.answer_by", nil)
	}
	answerBy, ok := endOfDay(r.answerBy)
	if !ok || !answerBy.After(now) {
		return c.usage("intake.request.usage.bad_date", map[string]any{"Date": r.answerBy})
	}
	keepUntil := request.DefaultKeepUntil(answerBy)
	if r.keepUntil != "" {
		if keepUntil, ok = endOfDay(r.keepUntil); !ok || keepUntil.Before(answerBy) {
			return c.usage("intake.request.usage.bad_keep", map[string]any{"Date": r.keepUntil})
		}
	}
	items, err := request.ParseScope(r.scope)
	if err != nil {
		return c.about(err, "intake.request.what.scope", map[string]any{"Scope": r.scope})
	}
	if _, err := os.Lstat(c.output); err == nil {
		return c.about(&os.PathError{Op: "create", Path: c.output, Err: os.ErrExist}, "intake.what.file", map[string]any{"Path": c.output})
	}
	return c.withStore(func(s *intake.Store) error {
		file, err := request.New(c.orgID, request.Fields{Purpose: strings.TrimSpace(r.purpose), LegalBasis: strings.TrimSpace(r.legalBasis),
			CaseReference: strings.TrimSpace(r.caseRef), Message: strings.TrimSpace(r.message), Scope: items,
			AnswerBy: answerBy, KeepUntil: keepUntil}, now)
		if err != nil {
			return err
		}
		var qr []byte
		if r.qr != "" {
			if qr, err = request.QR(file, 1024); err != nil {
				return c.about(err, "intake.what.file", map[string]any{"Path": r.qr})
			}
		}
		p, err := s.SaveRequest(file)
		if err != nil {
			return c.about(err, "intake.what.store", map[string]any{"Path": c.store})
		}
		out := file
		if r.armor {
			out = request.Armor(file)
		}
		if err := writeNew(c.output, out, 0o644); err != nil {
			return c.about(err, "intake.what.file", map[string]any{"Path": c.output})
		}
		if qr != nil {
			if err := writeNew(r.qr, qr, 0o644); err != nil {
				return c.about(err, "intake.what.file", map[string]any{"Path": r.qr})
			}
		}
		link := request.Link(file)
		if c.json {
			return c.printJSON(map[string]any{"id": p.Request.ID, "file": c.output, "qr": r.qr, "link": link,
				"answer_by": p.Request.AnswerBy, "keep_until": p.Request.KeepUntil, "case_reference": p.Request.CaseReference})
		}
		fmt.Fprintln(c.stdout, c.cat.T("intake.request.done", map[string]any{"ID": p.Request.ID, "Path": c.output,
			"AnswerBy": day(p.Request.AnswerBy)}))
		if len(link) <= request.MaxLink {
			fmt.Fprintln(c.stdout, link)
		}
		return nil
	})
}

// purposesFromFlags splits keygen's --purpose values: "Schuldhulp" is a
// purpose, "Schuldhulp=income,costs,personal.iban" a purpose with what it
// may ask for (bundle.PurposeScope).
func purposesFromFlags(values []string) ([]string, []bundle.PurposeScope) {
	var purposes []string
	var scopes []bundle.PurposeScope
	for _, v := range values {
		name, allowed, ok := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		purposes = append(purposes, name)
		if !ok {
			continue
		}
		ps := bundle.PurposeScope{Purpose: name}
		for _, a := range strings.Split(allowed, ",") {
			if a = strings.TrimSpace(a); a != "" {
				ps.Allowed = append(ps.Allowed, a)
			}
		}
		scopes = append(scopes, ps)
	}
	return purposes, scopes
}
