package vault

import "github.com/google/uuid"

// Ids are random UUIDs (version 4). In the store they are 16 raw bytes; to
// people and in files they are the usual hyphenated lower-case form.

func newID() ([16]byte, string) {
	u := uuid.New()
	return u, u.String()
}

func uuidParse(s string) ([16]byte, error) {
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return [16]byte{}, errNotAnID
	}
	return u, nil
}

func formatID(b []byte) string {
	var u uuid.UUID
	copy(u[:], b)
	return u.String()
}

// IsID reports whether s looks like a Kluis id (a hyphenated UUID).
func IsID(s string) bool {
	_, err := uuidParse(s)
	return err == nil
}
