package desk

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kluis/intake"
)

var timelineItem = regexp.MustCompile(`<li class="ev-([a-z]+)">[^<]*<time>[^<]*</time>([^<]*)(?:<span class="who">\(([^)]*)\)</span>)?</li>`)

// timelineOf returns a case page's timeline as "kind text (who)" lines.
func timelineOf(body string) []string {
	var out []string
	for _, m := range timelineItem.FindAllStringSubmatch(body, -1) {
		line := m[1] + " " + strings.TrimSpace(m[2])
		if m[3] != "" {
			line += " (" + m[3] + ")"
		}
		out = append(out, line)
	}
	return out
}

// The timeline shows from the processing log who received the case, and
// each receipt and export made since, also of entries written after the
// desk started and again after a restart.
func TestCaseTimelineFromTheLog(t *testing.T) {
	t.Parallel()
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	id := b.importOne(d.share(newCitizen(t, "Fatima Yılmaz"), nil))
	tok := b.csrf("/cases/" + id)
	if r := b.post("/cases/"+id+"/receipt", url.Values{"csrf": {tok}, "as": {"file"}}); r.status != http.StatusOK {
		t.Fatalf("receipt: %d %.300s", r.status, r.body)
	}
	if r := b.post("/cases/"+id+"/export", url.Values{"csrf": {tok}}); r.status != http.StatusOK {
		t.Fatalf("export: %d %.300s", r.status, r.body)
	}
	want := []string{"shared Gedeeld door de inwoner (Fatima Yılmaz)", "received Ontvangen en gecontroleerd",
		"import Ontvangen via de balie (annet)", "receipt Ontvangstbewijs gemaakt (annet)",
		"export Naar het zaaksysteem gedownload (annet)", "due Wordt verwijderd"}
	if got := timelineOf(b.get("/cases/" + id).body); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A restarted desk reads the same from the log.
	srv, err := New(d.store, d.org, Options{Now: d.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	d.srv.cases = srv.cases
	if got := timelineOf(b.get("/cases/" + id).body); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline after a restart:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A case page reads only the log entries written since the last page, not
// the whole processing log, which grows with every view: its cost must not
// grow with the log. Measured in allocations, which reading an entry
// makes (it is decrypted and decoded); the time followed (50 ms a page
// with 10,000 entries, BenchmarkCasePage).
func TestCasePageDoesNotReadTheWholeLog(t *testing.T) {
	// Not parallel: testing.AllocsPerRun counts the whole process.
	d := newDesk(t, Options{})
	b := d.browser()
	b.mustLogin(caseworker)
	id := b.importOne(d.share(newCitizen(t, "Fatima Yılmaz"), nil))
	var session *http.Cookie
	for _, c := range b.c.Jar.Cookies(mustURL(t, d.ts.URL)) {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	page := func() {
		req := httptest.NewRequest(http.MethodGet, "https://desk.test/cases/"+id, nil)
		req.AddCookie(session)
		rec := httptest.NewRecorder()
		d.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("case page: %d", rec.Code)
		}
	}
	before := testing.AllocsPerRun(5, page)
	for range 300 {
		if _, err := d.store.Log(intake.LogEntry{Action: intake.ActLogin, User: admin}); err != nil {
			t.Fatal(err)
		}
	}
	page() // reads the 300 new entries once
	after := testing.AllocsPerRun(5, page)
	// Reading 300 entries takes thousands of allocations; a page's own
	// work varies by a few.
	if after-before > 200 {
		t.Errorf("a case page took %.0f allocations with 300 more log entries, %.0f before: it reads the whole log", after, before)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
