package bundle

import (
	"bytes"
	"strings"
	"testing"
)

// Cards may register, for some purposes, which categories and fields they
// ask for. Cards without it read as before (the vector card has none).
func TestCardPurposeScopes(t *testing.T) {
	id, err := GenerateOrgIdentityScoped("Gemeente Zwolle", "", []string{"Schuldhulp", "Bijzondere bijstand"},
		[]PurposeScope{{Purpose: "Schuldhulp", Allowed: []string{"income", "debts", "costs", "personal.iban"}}}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCard(id.CardFile())
	if err != nil {
		t.Fatal(err)
	}
	ps := c.PurposeScopeFor(" schuldhulp ")
	if ps == nil || strings.Join(ps.Allowed, ",") != "costs,debts,income,personal.iban" {
		t.Fatalf("scope = %+v", ps)
	}
	if !ps.Allows("income", "amount") || !ps.Allows("personal", "iban") || ps.Allows("personal", "bsn") || ps.Allows("care", "") {
		t.Fatal("Allows is wrong")
	}
	if c.PurposeScopeFor("Bijzondere bijstand") != nil {
		t.Fatal("a purpose without a scope has one")
	}
	if bytes.Contains(newOrg(t, "Gemeente Kampen").CardFile(), []byte("purpose_scopes")) {
		t.Fatal("a card without purpose scopes names the member")
	}

	for name, scopes := range map[string][]PurposeScope{
		"not a purpose":    {{Purpose: "Iets anders", Allowed: []string{"income"}}},
		"unknown category": {{Purpose: "Schuldhulp", Allowed: []string{"salaris"}}},
		"unknown field":    {{Purpose: "Schuldhulp", Allowed: []string{"income.salaris"}}},
		"empty":            {{Purpose: "Schuldhulp", Allowed: []string{}}},
		"twice":            {{Purpose: "Schuldhulp", Allowed: []string{"income"}}, {Purpose: "Schuldhulp", Allowed: []string{"debts"}}},
	} {
		_, err := GenerateOrgIdentityScoped("Gemeente Zwolle", "", []string{"Schuldhulp"}, scopes, testNow)
		if CodeOf(err) != CodeBadCard {
			t.Errorf("%s: err = %v, want bad_card", name, err)
		}
	}
}

// A bundle may carry a short message; it is signed with the manifest.
func TestManifestMessage(t *testing.T) {
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	s := testShare(t, signer, org)
	s.Message = "Mijn huur is sinds maart hoger.\nBel me gerust."
	r, _, err := readAll(build(t, s, signer), Options{Org: org, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if r.Manifest().Message != s.Message {
		t.Fatalf("message = %q", r.Manifest().Message)
	}
	for _, bad := range []string{" voor", "na ", "a\x07b", "a\rb", "a\u202eb", strings.Repeat("x", MaxMessage+1)} {
		s := testShare(t, signer, org)
		s.Message = bad
		var b bytes.Buffer
		if _, err := Write(&b, s, signer); err == nil {
			t.Errorf("message %q accepted", bad)
		}
	}
	if CheckMessage(strings.Repeat("é", MaxMessage)) != nil {
		t.Error("a message of exactly the limit refused")
	}
	// Without a message the manifest has no member: older readers agree.
	m, _, err := testShare(t, signer, org).manifest()
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := m.Marshal()
	if bytes.Contains(mb, []byte(`"message"`)) {
		t.Fatal("empty message written")
	}
}
