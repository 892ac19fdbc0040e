package vault

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"kluis/internal/sign"

	"filippo.io/age"
)

func TestObjects(t *testing.T) {
	v, _ := newTestVault(t)
	if err := v.PutObject("share", "b1", []byte(`{"purpose":"bijstand"}`), Event{Action: "share.created", Subject: "b1"}); err != nil {
		t.Fatal(err)
	}
	v.PutObject("share", "b2", []byte(`{}`), Event{})
	v.PutObject("shares", "b3", []byte(`other kind`), Event{})
	got, err := v.Object("share", "b1")
	if err != nil || string(got) != `{"purpose":"bijstand"}` {
		t.Fatalf("Object: %q %v", got, err)
	}
	all, err := v.Objects("share")
	if err != nil || len(all) != 2 || string(all["b2"]) != "{}" {
		t.Fatalf("Objects: %v %v", all, err)
	}
	_, err = v.Object("share", "nope")
	wantErr(t, err, ErrNotFound)
	wantErr(t, v.PutObject("a\x00b", "c", nil, Event{}), ErrBadObjectKey)
	events, _ := v.Log()
	if last := events[len(events)-1]; last.Action != "share.created" || last.Subject != "b1" {
		t.Fatalf("last event %+v", last)
	}
	v2 := reopen(t, v)
	if got, err := v2.Object("share", "b1"); err != nil || !strings.Contains(string(got), "bijstand") {
		t.Fatalf("after reopen: %q %v", got, err)
	}
}

func TestSignAndDecrypt(t *testing.T) {
	v, _ := newTestVault(t)
	pk, err := v.PublicKeys()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := v.Sign("kluis-test/v1", []byte("manifest"))
	if err != nil {
		t.Fatal(err)
	}
	if !sign.Verify(pk.Ed25519, "kluis-test/v1", []byte("manifest"), sig) {
		t.Fatal("signature does not verify")
	}
	if sign.Verify(pk.Ed25519, "kluis-other/v1", []byte("manifest"), sig) {
		t.Fatal("a signature verified under another domain")
	}
	r, _ := age.ParseX25519Recipient(pk.X25519)
	var buf bytes.Buffer
	w, _ := age.Encrypt(&buf, r)
	w.Write([]byte("voor de kluis"))
	w.Close()
	pr, err := v.Decrypt(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(pr); string(b) != "voor de kluis" {
		t.Fatalf("decrypted %q", b)
	}
	v.Lock()
	if _, err := v.Sign("d", nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("Sign while locked: %v", err)
	}
}
