package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kluis/internal/i18n"
	"kluis/sync/schema"
	"kluis/vault"
)

// activityPage shows the activity log in plain words, newest first, says
// whether the log is complete and unchanged, and exports it as JSON. The
// log holds no values, so neither does this page.
type activityPage struct {
	u      *UI
	events []vault.Event // newest first

	list       *keyList
	status     *widget.Label
	statusIcon *widget.Icon
	export     *widget.Button
}

func newActivityPage(u *UI) page { return &activityPage{u: u} }

func (p *activityPage) content() fyne.CanvasObject {
	// Wrapped: a long message must not make the page wider than a small
	// window.
	p.status = &widget.Label{Text: lang.L("app.activity.checking"), TextStyle: fyne.TextStyle{Bold: true}, Wrapping: fyne.TextWrapWord}
	p.statusIcon = widget.NewIcon(theme.InfoIcon())
	p.export = &widget.Button{Text: lang.L("app.activity.export"), Icon: theme.DocumentSaveIcon(), OnTapped: p.onExport}
	p.list = newKeyList(func() int { return len(p.events) },
		func() fyne.CanvasObject {
			// One line: the time in bold, then what happened.
			line := widget.NewRichText(
				&widget.TextSegment{Style: widget.RichTextStyleStrong},
				&widget.TextSegment{Style: widget.RichTextStyleInline},
			)
			line.Truncation = fyne.TextTruncateEllipsis
			return line
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(p.events) {
				return
			}
			line := o.(*widget.RichText)
			e := p.events[i]
			line.Segments[0].(*widget.TextSegment).Text = formatDateTime(e.Time)
			line.Segments[1].(*widget.TextSegment).Text = "   " + p.describe(e)
			line.Refresh()
		})
	p.list.OnSelected = func(i widget.ListItemID) { p.u.touch() }
	p.reload()
	top := container.NewVBox(
		titleLabel(lang.L("app.activity.title")),
		paragraph(lang.L("app.activity.intro")),
		container.NewBorder(nil, nil, container.NewVBox(p.statusIcon), nil, p.status),
	)
	return container.NewBorder(top, container.NewHBox(p.export), nil, nil, p.list)
}

// logState is the log with the result of checking its chain.
type logState struct {
	events  []vault.Event
	checked int
	err     error // from VerifyLog
}

func (p *activityPage) reload() {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() (logState, error) {
		events, err := v.Log()
		if err != nil {
			return logState{}, err
		}
		n, verr := v.VerifyLog()
		slices.Reverse(events)
		return logState{events: events, checked: n, err: verr}, nil
	}, func(s logState, err error) {
		if err != nil {
			p.setStatus(false, u.errorText(err))
			return
		}
		p.events = s.events
		p.list.Refresh()
		ok, text := p.logStatus(s.checked, s.err)
		p.setStatus(ok, text)
	})
}

// logStatus says in plain words whether the log checks out.
func (p *activityPage) logStatus(checked int, err error) (bool, string) {
	if err == nil {
		return true, tn("app.activity.intact", checked, nil)
	}
	var le *vault.LogError
	if errors.As(err, &le) {
		return false, t("app.activity.broken", map[string]any{"Seq": le.Seq})
	}
	return false, p.u.errorText(err)
}

func (p *activityPage) setStatus(ok bool, text string) {
	p.status.Text = text
	if ok {
		p.status.Importance = widget.SuccessImportance
		p.statusIcon.SetResource(theme.ConfirmIcon())
	} else {
		p.status.Importance = widget.DangerImportance
		p.statusIcon.SetResource(theme.WarningIcon())
	}
	p.status.Refresh()
}

// describe says what an entry means, without the time: "Item toegevoegd
// (Inkomen: Bedrag, Bron) — door Fatima".
func (p *activityPage) describe(e vault.Event) string {
	cat := p.u.cat
	what := cat.Action(string(e.Action))
	if e.Category != "" {
		about := cat.Category(e.Category)
		// For a change, say which fields changed (their names, never values).
		if e.Action == vault.ActionRecordUpdated && e.Detail != "" {
			if fields := p.fieldLabels(e.Category, e.Detail); fields != "" {
				about += ": " + fields
			}
		}
		what += " (" + about + ")"
	}
	if e.Person != "" && e.Person != "-" {
		what = t("app.activity.by", map[string]any{"What": what, "Person": personLabel(e.Person)})
	}
	return what
}

// fieldLabels turns a comma-separated list of field ids into their labels,
// leaving out ids the schema does not know.
func (p *activityPage) fieldLabels(category, detail string) string {
	c, ok := schema.Lookup(category)
	if !ok {
		return ""
	}
	var out []string
	for _, id := range strings.Split(detail, ",") {
		if _, ok := c.Field(id); ok {
			out = append(out, p.u.cat.Field(category, id))
		}
	}
	return strings.Join(out, ", ")
}

func (p *activityPage) onExport() {
	u := p.u
	u.touch()
	u.pickSaveFile(lang.L("app.activity.choose_place"), fmt.Sprintf("kluis-logboek-%s.json", u.deps.Now().Format("2006-01-02")), func(path string) {
		p.exportTo(path)
	})
}

// exportTo writes the whole log, oldest first, as indented JSON to path.
func (p *activityPage) exportTo(path string) {
	u := p.u
	v := u.vault()
	if v == nil {
		return
	}
	runQuiet(u, func() (int, error) {
		events, err := v.Log()
		if err != nil {
			return 0, err
		}
		if events == nil {
			events = []vault.Event{}
		}
		return len(events), writeFileSafely(path, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(events)
		})
	}, func(n int, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		u.inform(lang.L("app.activity.exported_title"),
			tn("app.activity.exported", n, map[string]any{"Path": path}))
	})
}

// formatDate writes a date the way people read it: "25 nov. 2026" in
// Dutch, "25 Nov 2026" in English, in the computer's time zone.
func formatDate(tm time.Time) string {
	tm = tm.Local()
	months := strings.Fields(lang.L("app.activity.months"))
	month := tm.Month().String()
	if len(months) == 12 {
		month = months[tm.Month()-1]
	}
	return fmt.Sprintf("%d %s %d", tm.Day(), month, tm.Year())
}

// formatDateTime is formatDate with the time: "25 nov. 2026 10:04".
func formatDateTime(tm time.Time) string {
	return formatDate(tm) + " " + tm.Local().Format("15:04")
}

// formatUntilDay writes the last day an end time covers (i18n.LastDay):
// a grant "tot en met 4-12-2027" ends at midnight after it and is shown
// as "4 dec. 2027", not as the day its end falls on.
func formatUntilDay(end time.Time) string { return formatDate(i18n.LastDay(end)) }

// formatUntil writes an end time with its time, "9 dec. 2026 10:00", or,
// when it ends a whole day at midnight, as that day alone.
func formatUntil(end time.Time) string {
	if i18n.AtMidnight(end) {
		return formatUntilDay(end)
	}
	return formatDateTime(end)
}
