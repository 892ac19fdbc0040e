package cases

import (
	"testing"
	"time"

	"kluis/sync/bundle"
	"kluis/sync/request"
)

// testNow is the clock of the test requests.
var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func newOrg(t testing.TB, name string) *bundle.OrgIdentity {
	t.Helper()
	id, err := bundle.GenerateOrgIdentityScoped(name, "", []string{"Schuldhulp"}, nil, testNow.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// testFields is a request from the debt-help team for income and part of
// the fixed costs.
func testFields() request.Fields {
	return request.Fields{
		ID:            "3b9a2c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
		Purpose:       "Schuldhulp",
		LegalBasis:    "Wet gemeentelijke schuldhulpverlening, artikel 4a",
		CaseReference: "Z-2026-0042",
		Message:       "Beste mevrouw El Amrani,\nWilt u uw inkomsten en vaste lasten delen?",
		Scope:         []request.Item{{Category: "income"}, {Category: "costs", Fields: []string{"kind", "amount", "period"}}},
		AnswerBy:      testNow.Add(14 * 24 * time.Hour),
		KeepUntil:     testNow.Add(180 * 24 * time.Hour),
	}
}

func newRequest(t testing.TB, org *bundle.OrgIdentity, f request.Fields) []byte {
	t.Helper()
	b, err := request.New(org, f, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
