package vault

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestPersonName: Create and SetPerson accept a name only as one line of
// visible characters; a vault made without a name is not Named until
// SetPerson, and the new name is kept across a lock and unlock.
func TestPersonName(t *testing.T) {
	for _, bad := range []string{"", " Fatima", "Fatima ", "Fa\ntima", "Fa\u202etima", "Fa\u200btima", DefaultPerson, strings.Repeat("a", MaxNameLen+1)} {
		if err := CheckName(bad); !errors.Is(err, ErrBadName) {
			t.Errorf("CheckName(%q) = %v, want ErrBadName", bad, err)
		}
	}
	for _, good := range []string{"Fatima", "Jan de Vries-Özdemir", "Mehr\u200cdad"} {
		if err := CheckName(good); err != nil {
			t.Errorf("CheckName(%q) = %v", good, err)
		}
	}
	dir := t.TempDir()
	pass := []byte("molen sneeuw thee herfst")
	if _, _, err := Create(filepath.Join(dir, "bad.kluis"), pass, "Fa\u202etima", nil); !errors.Is(err, ErrBadName) {
		t.Fatalf("Create with a hidden character = %v, want ErrBadName", err)
	}
	path := filepath.Join(dir, "v.kluis")
	v, _, err := Create(path, pass, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Named() {
		t.Fatal("a vault made without a name is Named")
	}
	if err := v.SetPerson("Fa\ntima"); !errors.Is(err, ErrBadName) {
		t.Fatalf("SetPerson with a line break = %v", err)
	}
	if err := v.SetPerson("Fatima"); err != nil {
		t.Fatal(err)
	}
	if !v.Named() || v.Author().Person != "Fatima" {
		t.Fatalf("author after SetPerson = %+v", v.Author())
	}
	v.Close()
	v, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if v.Author().Person != "Fatima" {
		t.Fatalf("name after reopening = %q", v.Author().Person)
	}
}
