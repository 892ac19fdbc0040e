package signed

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"kluis/internal/sign"
)

type keySigner struct{ priv ed25519.PrivateKey }

func (k keySigner) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(k.priv, domain, msg), nil
}

func TestSignOpenRoundTrip(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	type card struct {
		Org string `json:"org"`
	}
	file, err := Sign(keySigner{priv}, "kluis-test/v1", card{Org: "Gemeente <Zwolle>"})
	if err != nil {
		t.Fatal(err)
	}
	if string(file[:len(`{"org":"Gemeente <Zwolle>"}`)]) != `{"org":"Gemeente <Zwolle>"}` {
		t.Fatalf("body not compact or HTML-escaped: %q", file)
	}
	var got card
	if err := Open(file, 1<<10, "kluis-test/v1", &got, func() ed25519.PublicKey { return pub }); err != nil || got.Org != "Gemeente <Zwolle>" {
		t.Fatalf("Open: %+v %v", got, err)
	}
	err = Open(file, 1<<10, "kluis-other/v1", &got, func() ed25519.PublicKey { return pub })
	if !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("another domain: %v", err)
	}
}

func TestSplitRefuses(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	good, _ := Sign(keySigner{priv}, "d", map[string]string{"a": "b"})
	cases := map[string]struct {
		file []byte
		want error
	}{
		"too large":        {append(good, make([]byte, 2000)...), ErrTooLarge},
		"not JSON":         {[]byte("hallo\nAAAA\n"), ErrNotJSON},
		"one line":         {[]byte(`{"a":"b"}`), ErrNotJSON},
		"empty signature":  {[]byte("{\"a\":\"b\"}\n"), ErrNoSignature},
		"extra line":       {append(append([]byte(nil), good...), "x\n"...), ErrSignatureLine},
		"no final newline": {good[:len(good)-1], ErrSignatureLine},
		"short signature":  {[]byte("{\"a\":\"b\"}\nAAAA\n"), ErrNotSignature},
	}
	for name, c := range cases {
		if _, _, err := Split(c.file, 1<<10); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, _, err := Split(good, 1<<10); err != nil {
		t.Fatal(err)
	}
}

func TestUnmarshalStrict(t *testing.T) {
	var v struct {
		A string `json:"a"`
	}
	for _, bad := range []string{`{"a":"x","b":1}`, `{"a":"x"} {}`, `{"a":`} {
		if UnmarshalStrict([]byte(bad), &v) == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if err := UnmarshalStrict([]byte(`{"a":"x"}`), &v); err != nil || v.A != "x" {
		t.Fatal(err)
	}
}

func TestCarrierRoundTrips(t *testing.T) {
	c := Carrier{LinkPrefix: "kluis:test/v1/", ArmorBegin: "-----BEGIN KLUIS TEST-----", ArmorEnd: "-----END KLUIS TEST-----", MaxFile: 1 << 10}
	file := []byte("{\"a\":\"b\"}\nAAAA\n")
	for _, in := range [][]byte{file, []byte(c.Link(file)), c.Armor(file), []byte("  " + c.Link(file) + "\n")} {
		got, err := c.Decode(in)
		if err != nil || string(got) != string(file) {
			t.Fatalf("Decode(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"kluis:other/v1/abc", "kluis:test/v1/!!", "-----BEGIN KLUIS TEST-----\nAAAA\n"} {
		if _, err := c.Decode([]byte(bad)); !errors.Is(err, ErrBadLink) {
			t.Errorf("Decode(%q): %v, want ErrBadLink", bad, err)
		}
	}
	if _, err := c.Decode(make([]byte, 5<<10)); !errors.Is(err, ErrTooLarge) {
		t.Fatal("oversize input accepted")
	}
	if png, err := c.QR(file, 128); err != nil || len(png) == 0 {
		t.Fatalf("QR: %v", err)
	}
	if _, err := c.QR(make([]byte, 3000), 128); !errors.Is(err, ErrTooLarge) {
		t.Fatal("a link too long for a QR code was accepted")
	}
}
