package intake

import (
	"errors"
	"testing"
	"time"

	"kluis/sync/bundle"
	"kluis/sync/request"
)

const (
	requestID      = "3b9a2c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	otherRequestID = "4c0b3d2e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
)

func (w *world) request(id string, scope string) []byte {
	w.t.Helper()
	items, err := request.ParseScope(scope)
	if err != nil {
		w.t.Fatal(err)
	}
	f, err := request.New(w.org, request.Fields{ID: id, Purpose: "Aanvraag schuldhulp", CaseReference: "Z-2026-0042",
		Scope: items, AnswerBy: start.Add(7 * 24 * time.Hour), KeepUntil: start.Add(90 * 24 * time.Hour)}, start.Add(-time.Hour))
	if err != nil {
		w.t.Fatal(err)
	}
	return f
}

// answer is the standard bundle, bound to request id.
func (w *world) answer(id string, edit func(*bundle.Share)) []byte {
	return w.build(w.share(func(s *bundle.Share) {
		s.RequestID, s.Message = id, "Hierbij, met vriendelijke groet."
		if edit != nil {
			edit(s)
		}
	}))
}

func TestAnswerMatchesRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, err := w.store.SaveRequest(w.request(requestID, "income,debts")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.SaveRequest(w.request(requestID, "income,debts")); err != nil {
		t.Fatalf("saving again: %v", err)
	}
	if _, err := w.store.SaveRequest(w.request(otherRequestID, "income.source,income.amount,income.period")); err != nil {
		t.Fatal(err)
	}
	good := w.answer(requestID, nil)
	imp, again, err := w.importBytes(good, ImportOptions{})
	if err != nil || again {
		t.Fatalf("import: %v", err)
	}
	m, _ := imp.ParsedManifest()
	if m.Message != "Hierbij, met vriendelijke groet." || m.RequestID != requestID {
		t.Fatalf("manifest %+v", m)
	}
	sr, err := w.store.Request(requestID)
	if err != nil || sr.AnswerID != imp.ID {
		t.Fatalf("request %+v %v", sr, err)
	}
	// The same answer again: nothing changes.
	before := w.state()
	if _, again, err := w.importBytes(good, ImportOptions{}); err != nil || !again {
		t.Fatalf("replay: %v %v", again, err)
	}
	if w.state() != before {
		t.Fatal("a replay changed the store")
	}
	// Every bad answer is refused and changes nothing.
	for name, c := range map[string]struct {
		data []byte
		want func(error) bool
	}{
		"second answer": {w.answer(requestID, nil), is(ErrAlreadyAnswered)},
		"exceeds":       {w.answer(otherRequestID, nil), code(request.CodeExceeds)},
		"exceeds field": {w.answer(otherRequestID, func(s *bundle.Share) {
			s.Scope.Categories, s.Records, s.Documents = []string{"income"}, s.Records[:1], s.Documents[:1]
			s.Scope.ExcludedFields = nil
			s.Records[0].Fields = map[string]any{"source": "UWV", "amount": int64(1), "iban": "NL91ABNA0417164300"}
		}), code(request.CodeExceeds)},
		"unknown request": {w.answer("5d1c4e3f-6a7b-4c8d-8e9f-1a2b3c4d5e6f", nil), is(ErrUnknownRequest)},
		"other case":      {w.answer(otherRequestID, func(s *bundle.Share) { s.CaseReference = "Z-2026-0099" }), code(request.CodeNotTheRequest)},
		"late": {w.answer(otherRequestID, func(s *bundle.Share) {
			s.Created = start.Add(8 * 24 * time.Hour)
			s.NotAfter = s.Created.Add(24 * time.Hour)
		}), code(request.CodeAnswerLate)},
	} {
		if name == "late" {
			w.clock.set(start.Add(8 * 24 * time.Hour))
		}
		_, _, err := w.importBytes(c.data, ImportOptions{})
		w.clock.set(start)
		ok := err != nil
		if c.want != nil {
			ok = c.want(err)
		}
		if !ok {
			t.Errorf("%s: err = %v", name, err)
		}
		if w.state() != before {
			t.Errorf("%s: the store changed", name)
		}
	}
	// A request made with another organisation's card is not kept.
	other := newOrg(t)
	f, _ := request.New(other, request.Fields{Purpose: "x", Scope: []request.Item{{Category: "income"}},
		AnswerBy: start.Add(time.Hour), KeepUntil: start.Add(2 * time.Hour)}, start)
	if _, err := w.store.SaveRequest(f); !errors.Is(err, ErrNotOurRequest) {
		t.Fatalf("another organisation's request: %v", err)
	}
	reqs, err := w.store.Requests()
	if err != nil || len(reqs) != 2 {
		t.Fatalf("requests %d %v", len(reqs), err)
	}
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func code(c request.Code) func(error) bool {
	return func(err error) bool { return request.CodeOf(err) == c }
}
