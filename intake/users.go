package intake

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"kluis/internal/errcode"
	"kluis/internal/safetext"
)

// Accounts of the caseworkers' desk (kluis-intake serve), kept in the
// store:
//
//	users/  a random id (16 bytes) → sealed account (JSON): name, role,
//	        times, generation and the Argon2id hash of the password
//	meta/generation  sealed: the last generation number handed out
//
// A name is no bucket key (it would be plaintext in the file), so finding
// an account reads them all; a municipality has tens or hundreds. Names
// are compared without regard to case: "Jan" and "jan" are one account.
// Stores made before accounts existed lack the bucket; the first AddUser
// creates it.
var (
	bucketUsers   = []byte("users")
	keyGeneration = []byte("generation")
)

// A Role says what an account may do at the desk.
type Role string

// Roles of the desk's accounts.
const (
	RoleCaseworker Role = "caseworker" // works with cases, requests and indexes
	RoleAdmin      Role = "admin"      // also manages accounts and reads the processing log
)

// Rules for names and passwords.
const (
	MaxUserName    = 64   // characters
	MinPassword    = 12   // characters
	MaxPassword    = 1024 // bytes
	reservedPrefix = "kluis-intake"
)

// Errors of accounts.
var (
	// ErrUserExists means an account with that name (in any case) exists.
	ErrUserExists = errcode.New("intake.user_exists", "an account with that name exists already")
	// ErrWeakPassword means a password shorter than MinPassword characters.
	ErrWeakPassword = errcode.NewWithArgs("intake.weak_password", "the password is too short", map[string]any{"Min": MinPassword})
	// ErrLongPassword means a password longer than MaxPassword bytes.
	ErrLongPassword = errcode.NewWithArgs("intake.long_password", "the password is too long", map[string]any{"Max": MaxPassword})
	// ErrBadUserName means a name that is empty, too long, holds hidden
	// characters, starts or ends with a space, or starts with
	// "kluis-intake" (which names the program in the processing log).
	ErrBadUserName = errcode.NewWithArgs("intake.bad_user_name", "not a valid account name", map[string]any{"Max": MaxUserName})
	// ErrBadRole means a role other than caseworker or admin.
	ErrBadRole = errcode.New("intake.bad_role", "the role must be caseworker or admin")
	// ErrNoUser means no account has that name.
	ErrNoUser = errcode.New("intake.no_user", "no account with that name")
	// ErrLastAdmin means the change would leave the desk without an admin.
	ErrLastAdmin = errcode.New("intake.last_admin", "this is the last admin account")
	// ErrBadLogin means an unknown name or a wrong password: the same
	// error for both, so a login does not tell which names exist.
	ErrBadLogin = errcode.New("intake.bad_login", "wrong name or password")
)

// A User is an account of the desk, without its password.
type User struct {
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	Created     time.Time `json:"created"`
	PasswordSet time.Time `json:"password_set"`
	// Generation changes whenever the account's password or role changes.
	// It is taken from one counter for the whole store, so it is never
	// handed out twice: a removed account made again under the same name
	// has another one. The desk keeps it in a session and ends the
	// session when it differs or the account is gone.
	Generation uint64 `json:"generation"`
}

// storedUser is an account as the users bucket keeps it.
type storedUser struct {
	User
	Hash string `json:"hash"` // PHC string, see password.go
}

// CheckUserName returns ErrBadUserName unless name is a valid account
// name: 1 to MaxUserName characters, no hidden characters
// (internal/safetext), no space at either end, and not starting with
// "kluis-intake", which the processing log uses for the program itself.
func CheckUserName(name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > MaxUserName {
		return ErrBadUserName
	}
	if _, _, hidden := safetext.Find(name); hidden {
		return ErrBadUserName
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return ErrBadUserName
	}
	if len(name) >= len(reservedPrefix) && strings.EqualFold(name[:len(reservedPrefix)], reservedPrefix) {
		return ErrBadUserName
	}
	return nil
}

// CheckRole returns ErrBadRole unless role is one of the roles.
func CheckRole(role Role) error {
	if role != RoleCaseworker && role != RoleAdmin {
		return ErrBadRole
	}
	return nil
}

// CheckNewPassword returns ErrWeakPassword for a password of fewer than
// MinPassword characters (counted as Unicode code points), and
// ErrLongPassword for one over MaxPassword bytes.
func CheckNewPassword(password []byte) error {
	switch {
	case utf8.RuneCount(password) < MinPassword:
		return ErrWeakPassword
	case len(password) > MaxPassword:
		return ErrLongPassword
	}
	return nil
}

// AddUser makes an account. The password is hashed with Argon2id before
// the transaction; the name must be free in any case.
func (s *Store) AddUser(name string, role Role, password []byte) error {
	if err := CheckUserName(name); err != nil {
		return err
	}
	if err := CheckRole(role); err != nil {
		return err
	}
	if err := CheckNewPassword(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Second)
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketUsers); err != nil {
			return err
		}
		if _, u, err := s.findUser(tx, name); err != nil {
			return err
		} else if u != nil {
			return ErrUserExists
		}
		gen, err := s.nextGeneration(tx)
		if err != nil {
			return err
		}
		return s.putUser(tx, id, &storedUser{User: User{Name: name, Role: role, Created: now, PasswordSet: now, Generation: gen}, Hash: hash})
	})
}

// Users returns every account, sorted by name (ignoring case).
func (s *Store) Users() ([]User, error) {
	var out []User
	err := s.view(func(tx *bolt.Tx) error {
		return s.eachUser(tx, func(_ []byte, u *storedUser) (bool, error) {
			out = append(out, u.User)
			return false, nil
		})
	})
	slices.SortFunc(out, func(a, b User) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, err
}

// User returns the account called name (in any case), or ErrNoUser.
func (s *Store) User(name string) (*User, error) {
	var out *User
	err := s.view(func(tx *bolt.Tx) error {
		_, u, err := s.findUser(tx, name)
		if err != nil {
			return err
		}
		if u == nil {
			return ErrNoUser
		}
		out = &u.User
		return nil
	})
	return out, err
}

// RemoveUser removes an account. The last admin account is not removed
// (ErrLastAdmin): add another admin first.
func (s *Store) RemoveUser(name string) error {
	return s.update(func(tx *bolt.Tx) error {
		key, u, err := s.findUser(tx, name)
		if err != nil {
			return err
		}
		if u == nil {
			return ErrNoUser
		}
		if u.Role == RoleAdmin {
			if err := s.otherAdmin(tx, key); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketUsers).Delete(key)
	})
}

// SetPassword gives an account a new password; its Generation changes, so
// the desk ends the account's open sessions.
func (s *Store) SetPassword(name string, password []byte) error {
	if err := CheckNewPassword(password); err != nil {
		return err
	}
	if _, err := s.User(name); err != nil {
		return err // no hash computed for a name that has no account
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Second)
	return s.update(func(tx *bolt.Tx) error {
		key, u, err := s.findUser(tx, name)
		if err != nil {
			return err
		}
		if u == nil {
			return ErrNoUser
		}
		if u.Generation, err = s.nextGeneration(tx); err != nil {
			return err
		}
		u.Hash, u.PasswordSet = hash, now
		return s.putUser(tx, key, u)
	})
}

// SetRole gives an account another role; its Generation changes, so the
// desk ends the account's open sessions. Setting the role it has changes
// nothing. The last admin keeps the role (ErrLastAdmin).
func (s *Store) SetRole(name string, role Role) error {
	if err := CheckRole(role); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		key, u, err := s.findUser(tx, name)
		if err != nil {
			return err
		}
		if u == nil {
			return ErrNoUser
		}
		if u.Role == role {
			return nil
		}
		if u.Role == RoleAdmin {
			if err := s.otherAdmin(tx, key); err != nil {
				return err
			}
		}
		if u.Generation, err = s.nextGeneration(tx); err != nil {
			return err
		}
		u.Role = role
		return s.putUser(tx, key, u)
	})
}

// CheckPassword returns the account when password is its password, and
// ErrBadLogin otherwise: for a wrong password and for a name without an
// account alike. Both cost one Argon2id computation with the current
// parameters, so the time a login takes does not tell whether a name
// exists. A password hashed with older parameters is hashed again with
// the current ones on a successful login (its Generation stays).
func (s *Store) CheckPassword(name string, password []byte) (*User, error) {
	if len(password) > MaxPassword {
		dummyCheck(password[:MaxPassword])
		return nil, ErrBadLogin
	}
	var found *storedUser
	err := s.view(func(tx *bolt.Tx) error {
		_, u, err := s.findUser(tx, name)
		found = u
		return err
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		dummyCheck(password)
		return nil, ErrBadLogin
	}
	ok, outdated := checkPHC(found.Hash, password)
	if !ok {
		return nil, ErrBadLogin
	}
	if outdated {
		s.rehash(found, password)
	}
	return &found.User, nil
}

// rehash stores the password of u again under the current parameters,
// unless the account changed in between. A failure only means the old
// hash stays; the login itself succeeded.
func (s *Store) rehash(u *storedUser, password []byte) {
	hash, err := hashPassword(password)
	if err != nil {
		return
	}
	s.update(func(tx *bolt.Tx) error {
		key, now, err := s.findUser(tx, u.Name)
		if err != nil || now == nil || now.Hash != u.Hash {
			return err
		}
		now.Hash = hash
		return s.putUser(tx, key, now)
	})
}

// findUser returns the key and account called name (in any case), or a
// nil account when there is none.
func (s *Store) findUser(tx *bolt.Tx, name string) ([]byte, *storedUser, error) {
	var key []byte
	var found *storedUser
	err := s.eachUser(tx, func(k []byte, u *storedUser) (bool, error) {
		if strings.EqualFold(u.Name, name) {
			key, found = bytes.Clone(k), u
			return true, nil
		}
		return false, nil
	})
	return key, found, err
}

// eachUser calls fn with every account until fn says stop.
func (s *Store) eachUser(tx *bolt.Tx, fn func(key []byte, u *storedUser) (stop bool, err error)) error {
	b := tx.Bucket(bucketUsers)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		plain, err := s.open(bucketUsers, k, v)
		if err != nil {
			return err
		}
		var u storedUser
		if err := json.Unmarshal(plain, &u); err != nil {
			return fmt.Errorf("%w: an account does not decode", ErrDamaged)
		}
		if stop, err := fn(k, &u); stop || err != nil {
			return err
		}
	}
	return nil
}

// otherAdmin returns ErrLastAdmin unless an admin account other than the
// one at key exists.
func (s *Store) otherAdmin(tx *bolt.Tx, key []byte) error {
	found := false
	err := s.eachUser(tx, func(k []byte, u *storedUser) (bool, error) {
		found = u.Role == RoleAdmin && !bytes.Equal(k, key)
		return found, nil
	})
	if err == nil && !found {
		err = ErrLastAdmin
	}
	return err
}

func (s *Store) putUser(tx *bolt.Tx, key []byte, u *storedUser) error {
	val, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.put(tx, bucketUsers, key, val)
}

// nextGeneration hands out the next generation number of the store.
func (s *Store) nextGeneration(tx *bolt.Tx) (uint64, error) {
	var last uint64
	switch b, err := s.get(tx, bucketMeta, keyGeneration); {
	case err == nil:
		if last, err = strconv.ParseUint(string(b), 10, 64); err != nil {
			return 0, fmt.Errorf("%w: the generation counter", ErrDamaged)
		}
	case !errors.Is(err, ErrNotFound):
		return 0, err
	}
	last++
	return last, s.put(tx, bucketMeta, keyGeneration, []byte(strconv.FormatUint(last, 10)))
}
