package intake

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kluis/sync/bundle"
	"kluis/sync/delegate"
)

// A share the son makes on his mother's behalf imports with its
// certificate; the export marks him gemachtigde. Once the certificate has
// ended, the same bundle is refused and nothing is stored.
func TestImportOnBehalf(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	son := newCitizen(t)
	sonIssuer := son.issuer(t)
	sonIssuer.Name = "Youssef"
	mother := w.who.issuer(t)
	_, cert, err := delegate.NewCertificate(w.who, delegate.Grant{
		Owner:    delegate.Party{Name: "Fatima", X25519: mother.X25519, Ed25519: mother.Ed25519},
		Delegate: delegate.Party{Name: "Youssef", X25519: sonIssuer.X25519, Ed25519: sonIssuer.Ed25519},
		Role:     delegate.RoleManage, Categories: []string{"debts", "income"},
		ValidFrom: start.Add(-time.Hour), ValidUntil: start.Add(7 * 24 * time.Hour)}, start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	w.who = son
	data := w.build(w.share(func(s *bundle.Share) { s.Issuer, s.OnBehalf = sonIssuer, cert }))

	// After the certificate ended (the bundle itself is still valid).
	w.clock.set(start.Add(8 * 24 * time.Hour))
	before := w.state()
	if _, _, err := w.importBytes(data, ImportOptions{}); !errors.Is(err, &bundle.Error{Code: bundle.CodeBehalfExpired}) {
		t.Fatalf("import after the certificate ended: %v", err)
	}
	if w.state() != before {
		t.Fatal("a refused share on behalf changed the store")
	}

	w.clock.set(start.Add(time.Hour))
	imp, _, err := w.importBytes(data, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := imp.OnBehalf()
	if err != nil || d == nil || d.Owner.Name != "Fatima" || d.Delegate.Name != "Youssef" {
		t.Fatalf("on behalf = %+v, %v", d, err)
	}
	out := filepath.Join(w.dir, "zaak")
	if err := w.store.Export(imp.ID, out); err != nil {
		t.Fatal(err)
	}
	meta, _ := os.ReadFile(filepath.Join(out, "documenten.json"))
	summary, _ := os.ReadFile(filepath.Join(out, "samenvatting.html"))
	for _, want := range []string{`"indicatieMachtiging": "gemachtigde"`, "Aangeleverd door Youssef namens Fatima"} {
		if !strings.Contains(string(meta), want) {
			t.Errorf("documenten.json lacks %s", want)
		}
	}
	if !strings.Contains(string(summary), "aangeleverd door Youssef namens Fatima") {
		t.Error("the summary does not say who delivered it")
	}
}
