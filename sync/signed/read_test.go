package signed

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"kluis/internal/sign"
)

type note struct {
	Format string `json:"format"`
	Text   string `json:"text"`
}

func TestReadSteps(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	sign := func(p ed25519.PrivateKey, body string) []byte {
		sig := sign.With(p, "kluis-note/v1", []byte(body))
		return Join([]byte(body), sig)
	}
	good := `{"format":"kluis-note/v1","text":"hallo"}`
	errCheck := errors.New("the text is not allowed")
	check := func(n *note) func() (ed25519.PublicKey, error) {
		return func() (ed25519.PublicKey, error) {
			if n.Text == "verboden" {
				return nil, errCheck
			}
			return pub, nil
		}
	}
	for name, c := range map[string]struct {
		file  []byte
		check func(*BodyError) bool // for *BodyError results
		want  error
	}{
		"ok":            {file: sign(priv, good)},
		"too large":     {file: sign(priv, good+string(bytes.Repeat([]byte(" "), 2000))), want: ErrTooLarge},
		"unsigned":      {file: []byte(good + "\n"), want: ErrNoSignature},
		"other format":  {file: sign(priv, `{"format":"kluis-card/v1","org":"x"}`), check: func(e *BodyError) bool { return e.OtherFormat }},
		"broken body":   {file: sign(priv, `{"format":"kluis-note/v1","text":1}`), check: func(e *BodyError) bool { return !e.OtherFormat }},
		"check refuses": {file: sign(priv, `{"format":"kluis-note/v1","text":"verboden"}`), want: errCheck},
		"not canonical": {file: sign(priv, `{"format":"kluis-note/v1", "text":"hallo"}`), want: ErrNotCanonical},
		"forged":        {file: sign(other, good), want: ErrSignatureMismatch},
	} {
		var n note
		err := Read(c.file, 1024, "kluis-note/v1", "kluis-note/v1", &n, check(&n))
		var be *BodyError
		switch {
		case c.check != nil:
			if !errors.As(err, &be) || !c.check(be) {
				t.Errorf("%s: %v", name, err)
			}
		case c.want == nil:
			if err != nil || n.Text != "hallo" {
				t.Errorf("%s: %+v %v", name, n, err)
			}
		case !errors.Is(err, c.want):
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}
