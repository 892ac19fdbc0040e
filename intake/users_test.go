package intake

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/argon2"
)

const (
	janPassword  = "appelboom-fiets-42"
	miraPassword = "wolken boven de IJssel"
)

// TestUsers walks the accounts through their life: made, listed, looked
// up in any case, logged in, given a new password and role, removed; each
// refusal with its own error.
func TestUsers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.store
	if us, err := s.Users(); err != nil || len(us) != 0 {
		t.Fatalf("users of a new store: %v, %v", us, err)
	}
	if err := s.AddUser("Jan de Vries", RoleAdmin, []byte(janPassword)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUser("mira", RoleCaseworker, []byte(miraPassword)); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		name string
		role Role
		pw   string
		want error
	}{
		"same name, other case": {"JAN DE VRIES", RoleCaseworker, janPassword, ErrUserExists},
		"11 characters":         {"piet", RoleCaseworker, "kort-ww-123", ErrWeakPassword},
		// 11 characters of 2 bytes: long enough in bytes, too short in
		// characters.
		"11 characters, 22 bytes": {"piet", RoleCaseworker, strings.Repeat("é", 11), ErrWeakPassword},
		"too long":                {"piet", RoleCaseworker, strings.Repeat("x", MaxPassword+1), ErrLongPassword},
		"empty name":              {"", RoleCaseworker, janPassword, ErrBadUserName},
		"65 characters":           {strings.Repeat("ä", 65), RoleCaseworker, janPassword, ErrBadUserName},
		"hidden character":        {"jan\u202Eevil", RoleCaseworker, janPassword, ErrBadUserName},
		"line break":              {"jan\nadmin", RoleCaseworker, janPassword, ErrBadUserName},
		"space at the start":      {" jan", RoleCaseworker, janPassword, ErrBadUserName},
		"space at the end":        {"jan ", RoleCaseworker, janPassword, ErrBadUserName},
		"the program's name":      {"Kluis-Intake:beheer", RoleAdmin, janPassword, ErrBadUserName},
		"unknown role":            {"piet", Role("root"), janPassword, ErrBadRole},
	} {
		if err := s.AddUser(tc.name, tc.role, []byte(tc.pw)); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if err := s.AddUser(strings.Repeat("ä", 64), RoleCaseworker, []byte(strings.Repeat("é", 12))); err != nil {
		t.Errorf("64 characters and a password of 12: %v", err)
	}
	us, err := s.Users()
	if err != nil || len(us) != 3 || us[0].Name != "Jan de Vries" || us[1].Name != "mira" || us[2].Role != RoleCaseworker {
		t.Fatalf("users: %+v, %v", us, err)
	}
	jan, err := s.User("jan DE vries")
	if err != nil || jan.Name != "Jan de Vries" || jan.Role != RoleAdmin || !jan.Created.Equal(start) || jan.Generation == 0 {
		t.Fatalf("user: %+v, %v", jan, err)
	}
	if _, err := s.User("piet"); !errors.Is(err, ErrNoUser) {
		t.Errorf("unknown user: %v", err)
	}

	// Logging in.
	if u, err := s.CheckPassword("JAN de Vries", []byte(janPassword)); err != nil || u.Name != "Jan de Vries" || u.Generation != jan.Generation {
		t.Errorf("right password: %+v, %v", u, err)
	}
	for _, tc := range []struct{ name, pw string }{
		{"Jan de Vries", miraPassword}, {"Jan de Vries", ""}, {"piet", janPassword}, {"", janPassword},
		{"Jan de Vries", janPassword + strings.Repeat("x", MaxPassword)},
	} {
		if u, err := s.CheckPassword(tc.name, []byte(tc.pw)); !errors.Is(err, ErrBadLogin) || u != nil {
			t.Errorf("login %q with %q: %+v, %v; want ErrBadLogin", tc.name, tc.pw, u, err)
		}
	}

	// A new password: the old one stops working, the generation changes.
	w.clock.set(start.Add(time.Hour))
	if err := s.SetPassword("jan de vries", []byte("kort")); !errors.Is(err, ErrWeakPassword) {
		t.Errorf("weak new password: %v", err)
	}
	if err := s.SetPassword("piet", []byte(janPassword)); !errors.Is(err, ErrNoUser) {
		t.Errorf("new password for nobody: %v", err)
	}
	if err := s.SetPassword("jan de vries", []byte("een heel nieuw wachtwoord")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckPassword("Jan de Vries", []byte(janPassword)); !errors.Is(err, ErrBadLogin) {
		t.Errorf("old password after a change: %v", err)
	}
	jan2, err := s.CheckPassword("Jan de Vries", []byte("een heel nieuw wachtwoord"))
	if err != nil || jan2.Generation <= jan.Generation || !jan2.PasswordSet.Equal(start.Add(time.Hour)) || !jan2.Created.Equal(start) {
		t.Errorf("after a new password: %+v, %v (was %+v)", jan2, err, jan)
	}

	// Roles, and the last admin.
	if err := s.SetRole("Jan de Vries", RoleCaseworker); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demoting the last admin: %v", err)
	}
	if err := s.RemoveUser("jan de vries"); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("removing the last admin: %v", err)
	}
	if err := s.SetRole("mira", Role("boss")); !errors.Is(err, ErrBadRole) {
		t.Errorf("unknown role: %v", err)
	}
	mira, _ := s.User("mira")
	if err := s.SetRole("mira", RoleCaseworker); err != nil {
		t.Error(err)
	}
	if same, _ := s.User("mira"); same.Generation != mira.Generation {
		t.Error("setting the role an account has changed its generation")
	}
	if err := s.SetRole("mira", RoleAdmin); err != nil {
		t.Fatal(err)
	}
	mira2, _ := s.User("mira")
	if mira2.Role != RoleAdmin || mira2.Generation <= mira.Generation {
		t.Errorf("after SetRole: %+v (was %+v)", mira2, mira)
	}
	if err := s.SetRole("Jan de Vries", RoleCaseworker); err != nil {
		t.Errorf("demoting one of two admins: %v", err)
	}
	if err := s.RemoveUser("mira"); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("removing the admin left: %v", err)
	}
	if err := s.RemoveUser("piet"); !errors.Is(err, ErrNoUser) {
		t.Errorf("removing nobody: %v", err)
	}
	if err := s.RemoveUser("JAN DE VRIES"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckPassword("Jan de Vries", []byte("een heel nieuw wachtwoord")); !errors.Is(err, ErrBadLogin) {
		t.Errorf("login of a removed account: %v", err)
	}
	// Made again under the same name, the account has a generation never
	// handed out before: a session of the removed account stays ended.
	if err := s.AddUser("Jan de Vries", RoleCaseworker, []byte(janPassword)); err != nil {
		t.Fatal(err)
	}
	jan3, _ := s.User("Jan de Vries")
	for _, g := range []uint64{jan.Generation, jan2.Generation, mira.Generation, mira2.Generation} {
		if jan3.Generation <= g {
			t.Errorf("generation %d of the new account was handed out before (%d)", jan3.Generation, g)
		}
	}

	// Names, passwords and hashes are sealed: none is in the file.
	w.store.Close()
	db, err := os.ReadFile(w.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{"Jan de Vries", "mira", janPassword, "argon2id", "caseworker"} {
		if bytes.Contains(db, []byte(needle)) {
			t.Errorf("the store file holds %q in plaintext", needle)
		}
	}
	reopened, err := Open(w.dir, w.org, &Options{Now: w.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	w.store = reopened
	if us, err := reopened.Users(); err != nil || len(us) != 3 {
		t.Errorf("after reopening: %+v, %v", us, err)
	}
}

// TestPasswordHash checks the stored form against Argon2id itself: a PHC
// string with the parameters, salt and hash, and the parameters of a
// release build are OWASP's.
func TestPasswordHash(t *testing.T) {
	t.Parallel()
	if (argonRelease != argonParams{Memory: 47104, Time: 1, Threads: 1}) {
		t.Errorf("release parameters %+v are not OWASP's m=47104 (46 MiB), t=1, p=1", argonRelease)
	}
	h, err := hashPassword([]byte(janPassword))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("hash %q", h)
	}
	p, salt, sum, err := parsePHC(h)
	if err != nil || len(salt) != saltSize || len(sum) != hashSize {
		t.Fatalf("parse: %v", err)
	}
	if subtle.ConstantTimeCompare(argon2.IDKey([]byte(janPassword), salt, p.Time, p.Memory, p.Threads, hashSize), sum) != 1 {
		t.Error("the stored hash is not Argon2id of the password")
	}
	if other, _ := hashPassword([]byte(janPassword)); other == h {
		t.Error("two hashes of one password are equal: no salt?")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$t=1,m=1024,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA", h + "$"} {
		if _, _, _, err := parsePHC(bad); err == nil {
			t.Errorf("parsePHC(%q) accepted it", bad)
		}
	}
}

// TestOutdatedHashIsRaised: a password hashed with other parameters still
// logs in, and is then stored with the current ones; the generation stays.
func TestOutdatedHashIsRaised(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if err := w.store.AddUser("mira", RoleCaseworker, []byte(miraPassword)); err != nil {
		t.Fatal(err)
	}
	before, _ := w.store.User("mira")
	old := argonParams{Memory: 2048, Time: 2, Threads: 1}
	salt := make([]byte, saltSize)
	rand.Read(salt)
	w.setHash(t, "mira", encodePHC(old, salt, argon2.IDKey([]byte(miraPassword), salt, old.Time, old.Memory, old.Threads, hashSize)))
	u, err := w.store.CheckPassword("mira", []byte(miraPassword))
	if err != nil || u.Generation != before.Generation {
		t.Fatalf("login with an old hash: %+v, %v", u, err)
	}
	if h := w.hash(t, "mira"); !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("after the login the hash is %q, want the current parameters", h)
	}
	if _, err := w.store.CheckPassword("mira", []byte(miraPassword)); err != nil {
		t.Errorf("login after the hash was raised: %v", err)
	}
}

func (w *world) hash(t *testing.T, name string) string {
	var h string
	w.store.db.View(func(tx *bolt.Tx) error {
		_, u, err := w.store.findUser(tx, name)
		if u != nil {
			h = u.Hash
		}
		return err
	})
	return h
}

func (w *world) setHash(t *testing.T, name, hash string) {
	if err := w.store.db.Update(func(tx *bolt.Tx) error {
		k, u, err := w.store.findUser(tx, name)
		if err != nil {
			return err
		}
		u.Hash = hash
		return w.store.putUser(tx, k, u)
	}); err != nil {
		t.Fatal(err)
	}
}

// TestUnknownNameCostsAHash: a login with a name that has no account runs
// Argon2id once, as a wrong password does, so the time it takes does not
// tell which names exist.
func TestUnknownNameCostsAHash(t *testing.T) {
	w := newWorld(t) // not parallel: it counts the hashes of the package
	if err := w.store.AddUser("mira", RoleCaseworker, []byte(miraPassword)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, pw string }{
		{"mira", "niet het wachtwoord"}, {"piet", "niet het wachtwoord"}, {"", ""}, {"mira", miraPassword},
	} {
		before := hashCount.Load()
		w.store.CheckPassword(tc.name, []byte(tc.pw))
		if n := hashCount.Load() - before; n != 1 {
			t.Errorf("login %q: %d Argon2id runs, want 1", tc.name, n)
		}
	}
}

// TestHashingIsBounded runs Argon2id with the release parameters from six
// goroutines at once: no more than two run together, so six logins cost
// 92 MiB, not 276.
func TestHashingIsBounded(t *testing.T) {
	var wg sync.WaitGroup
	salt := make([]byte, saltSize)
	for range 6 {
		wg.Go(func() { argonKey([]byte(janPassword), salt, argonRelease, hashSize) })
	}
	wg.Wait()
	if p := peakHashing.Load(); p > maxHashing || p < 1 {
		t.Errorf("%d Argon2id runs at once, want at most %d", p, maxHashing)
	}
}
