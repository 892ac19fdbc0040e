package bundle

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needAge skips when the reference age CLI (Debian package age) is not
// installed; CI installs it (make deps).
func needAge(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("age")
	if err != nil {
		t.Skip("the age CLI is not installed (apt-get install age); skipping the interoperability test")
	}
	return p
}

// TestAgeCLIReadsBundles: `age -d -i key bundle | tar t` lists the entries
// of a bundle, binary and armored, in the bundle's order.
func TestAgeCLIReadsBundles(t *testing.T) {
	ageBin := needAge(t)
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("tar is not installed")
	}
	dir := t.TempDir()
	signer := newKeySigner(t)
	org := newOrg(t, "Gemeente Zwolle")
	key := filepath.Join(dir, "key.txt")
	os.WriteFile(key, []byte(org.AgeIdentity().String()+"\n"), 0o600)
	for _, armored := range []bool{false, true} {
		s := testShare(t, signer, org, 100<<10, 10)
		s.Armor = armored
		path := filepath.Join(dir, "bundle.kluis")
		os.WriteFile(path, build(t, s, signer), 0o600)
		cmd := exec.Command("sh", "-c", `"$0" -d -i "$1" "$2" | tar t`, ageBin, key, path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("age -d | tar t: %v\n%s", err, out)
		}
		want := "manifest.json\nmanifest.sig\nrecords.json\ndocuments/" + doc1ID + "/loonstrook maart.pdf\ndocuments/" + doc2ID + "/brief belastingdienst.pdf\n"
		if string(out) != want {
			t.Errorf("armored %v: tar t lists\n%s\nwant\n%s", armored, out, want)
		}
	}
}

// TestAgeCLIFileIsRefused: a file the age CLI encrypted to the
// organisation, which is not a bundle, is refused cleanly; so is a tar of
// the right names that nobody signed.
func TestAgeCLIFileIsRefused(t *testing.T) {
	ageBin := needAge(t)
	dir := t.TempDir()
	org := newOrg(t, "Gemeente Zwolle")
	plain := filepath.Join(dir, "letter.txt")
	os.WriteFile(plain, []byte(strings.Repeat("Geachte heer, mevrouw,\n", 5000)), 0o600)
	out, err := exec.Command(ageBin, "-r", org.Card().X25519, plain).Output()
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = readAll(out, Options{Org: org})
	wantCode(t, err, CodeNotBundle, CodeEntryMissing)

	tarred := makeTar(t, []rawEntry{reg(ManifestPath, []byte(`{"format":"kluis-bundle/v1"}`)), reg(RecordsPath, []byte("{}"))})
	cmd := exec.Command(ageBin, "-r", org.Card().X25519)
	cmd.Stdin = bytes.NewReader(tarred)
	out, err = cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = readAll(out, Options{Org: org})
	wantCode(t, err, CodeUnsigned)
}

// TestDemoCard: the demo organisation card shipped in assets/ parses and
// verifies (its secret key was never kept).
func TestDemoCard(t *testing.T) {
	b, err := os.ReadFile("../../assets/demo-gemeente.card")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCard(b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Org, "demo") {
		t.Errorf("demo card org %q", c.Org)
	}
}
