package desk

import (
	"slices"
	"strings"
	"sync"
	"time"

	"kluis/intake"
)

// A caseRow is what the case list shows of one import, kept in memory so a
// page of 10,000 cases is not 10,000 decryptions.
type caseRow struct {
	ID        string
	Issuer    string // the citizen's name as they gave it
	Delegate  string // who delivered it on the citizen's behalf, if someone did
	Purpose   string
	Case      string // the case number the citizen filled in or the request carried
	Request   string // the data request it answers
	Received  time.Time
	KeptUntil time.Time
	Documents int
	Receipt   time.Time // when the last receipt was made; zero when none
	LastIn    time.Time // when the citizen last wrote; zero when never

	haystack string // lower-case words a search looks in
}

// caseIndex holds the rows of every import in the store, newest first,
// and what the processing log says about each that a case's timeline
// shows.
type caseIndex struct {
	mu   sync.RWMutex
	rows []caseRow
	// events holds, per import id, the log's entries a timeline shows
	// (import, receipt, export), in log order: every such entry about that
	// id, as the log keeps them. The index follows the log (follow), so a
	// case page reads only the entries written since the last one, not the
	// whole log, which grows with every view.
	events map[string][]logEvent
	// lastIn holds, per import id, when the citizen last wrote (the log's
	// message entries from the citizen).
	lastIn map[string]time.Time

	followMu sync.Mutex // one follow at a time
	seen     uint64     // the last log entry read into events; under followMu
}

// A logEvent is an entry of the processing log on a case's timeline.
type logEvent struct {
	Action string
	Time   time.Time
	User   string
}

// onTimeline says whether a case's timeline shows log entries of action.
func onTimeline(action string) bool {
	switch action {
	case intake.ActImport, intake.ActReceipt, intake.ActExport:
		return true
	}
	return false
}

func buildCaseIndex(store *intake.Store) (*caseIndex, error) {
	imps, err := store.List()
	if err != nil {
		return nil, err
	}
	ci := &caseIndex{events: map[string][]logEvent{}, lastIn: map[string]time.Time{}}
	if err := ci.follow(store); err != nil {
		return nil, err
	}
	for _, imp := range imps {
		row, err := rowOf(imp)
		if err != nil {
			return nil, err
		}
		row.Receipt = ci.lastReceipt(imp.ID)
		row.LastIn = ci.lastIn[imp.ID]
		ci.rows = append(ci.rows, row)
	}
	ci.sort()
	return ci, nil
}

// follow reads the processing log's entries written since it last did
// (at the desk's start: all of them) into the timeline events.
func (ci *caseIndex) follow(store *intake.Store) error {
	ci.followMu.Lock()
	defer ci.followMu.Unlock()
	const batch = 1000
	for {
		es, err := store.LogEntries(ci.seen+1, batch)
		if err != nil {
			return err
		}
		ci.mu.Lock()
		for _, e := range es {
			ci.seen = e.Seq
			if e.Import != "" && e.Action == intake.ActMessage && strings.HasPrefix(e.Detail, intake.DetailFromCitizen) {
				ci.lastIn[e.Import] = e.Time
			}
			if e.Import != "" && onTimeline(e.Action) {
				ci.events[e.Import] = append(ci.events[e.Import], logEvent{Action: e.Action, Time: e.Time, User: e.User})
			}
		}
		ci.mu.Unlock()
		if len(es) < batch {
			return nil
		}
	}
}

// eventsOf returns the timeline entries the index has read about an
// import.
func (ci *caseIndex) eventsOf(id string) []logEvent {
	ci.mu.RLock()
	defer ci.mu.RUnlock()
	return slices.Clone(ci.events[id])
}

// lastReceipt is when the last receipt for an import was made; zero when
// none was. The caller holds mu or owns ci.
func (ci *caseIndex) lastReceipt(id string) time.Time {
	var t time.Time
	for _, e := range ci.events[id] {
		if e.Action == intake.ActReceipt {
			t = e.Time
		}
	}
	return t
}

func rowOf(imp *intake.Import) (caseRow, error) {
	m, err := imp.ParsedManifest()
	if err != nil {
		return caseRow{}, err
	}
	row := caseRow{ID: imp.ID, Issuer: m.Issuer.Name, Purpose: m.Purpose, Case: m.CaseReference, Request: m.RequestID,
		Received: imp.ImportedAt, KeptUntil: imp.KeptUntil, Documents: len(imp.Documents)}
	if behalf, err := imp.OnBehalf(); err != nil {
		return caseRow{}, err
	} else if behalf != nil {
		row.Delegate = row.Issuer
		row.Issuer = behalf.Owner.Name
	}
	row.haystack = strings.ToLower(strings.Join([]string{row.ID, row.Issuer, row.Delegate, row.Purpose, row.Case}, "\x00"))
	return row, nil
}

func (ci *caseIndex) sort() {
	slices.SortStableFunc(ci.rows, func(a, b caseRow) int {
		if c := b.Received.Compare(a.Received); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

func (ci *caseIndex) put(row caseRow) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	for i := range ci.rows {
		if ci.rows[i].ID == row.ID {
			row.Receipt = ci.rows[i].Receipt
			row.LastIn = ci.rows[i].LastIn
			ci.rows[i] = row
			return
		}
	}
	ci.rows = append(ci.rows, row)
	ci.sort()
}

func (ci *caseIndex) remove(ids ...string) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	ci.rows = slices.DeleteFunc(ci.rows, func(r caseRow) bool { return slices.Contains(ids, r.ID) })
}

func (ci *caseIndex) receiptMade(id string, at time.Time) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	for i := range ci.rows {
		if ci.rows[i].ID == id {
			ci.rows[i].Receipt = at
		}
	}
}

// messageIn notes that the citizen of case id wrote at at.
func (ci *caseIndex) messageIn(id string, at time.Time) {
	ci.mu.Lock()
	defer ci.mu.Unlock()
	ci.lastIn[id] = at
	for i := range ci.rows {
		if ci.rows[i].ID == id {
			ci.rows[i].LastIn = at
		}
	}
}

func (ci *caseIndex) get(id string) (caseRow, bool) {
	ci.mu.RLock()
	defer ci.mu.RUnlock()
	for _, r := range ci.rows {
		if r.ID == id {
			return r, true
		}
	}
	return caseRow{}, false
}

// search returns one page of the rows that hold every word of q (all rows
// when q is empty), and how many rows match in all.
func (ci *caseIndex) search(q string, page, size int) ([]caseRow, int) {
	words := strings.Fields(strings.ToLower(q))
	ci.mu.RLock()
	defer ci.mu.RUnlock()
	start, end := page*size, (page+1)*size
	var out []caseRow
	n := 0
	for i := range ci.rows {
		r := &ci.rows[i]
		if !hasAll(r.haystack, words) {
			continue
		}
		if n >= start && n < end {
			out = append(out, *r)
		}
		n++
	}
	return out, n
}

func hasAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

func (ci *caseIndex) len() int {
	ci.mu.RLock()
	defer ci.mu.RUnlock()
	return len(ci.rows)
}
