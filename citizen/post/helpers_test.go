package post

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"kluis/citizen/share"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/vault"
)

func newVault(t testing.TB, name string) *vault.Vault {
	t.Helper()
	v, _, err := vault.Create(filepath.Join(t.TempDir(), "v.kluis"), []byte("correct horse battery staple"), name, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// fakeDesk follows the desk's contract (sync/post's paths) for the
// citizen's side, with the organisation's real keys: it opens each bundle
// delivered, answers with a signed receipt, and hands out what it was
// given for the citizen on every pickup.
type fakeDesk struct {
	t   testing.TB
	org *bundle.OrgIdentity
	srv *httptest.Server

	mu        sync.Mutex
	requests  int      // every request that reached the handler
	delivered []string // bundle ids
	revoked   [][]byte
	inbox     [][]byte // message files from citizens
	messages  [][]byte // waiting for the citizen
	access    []string
	// receipt, when set, replaces the receipt the desk answers with.
	receipt func(real []byte) []byte
	// unknownCase makes the desk refuse every message as post.unknown_case.
	unknownCase bool
}

func newDesk(t testing.TB, name string) *fakeDesk {
	t.Helper()
	org, err := bundle.GenerateOrgIdentity(name, "", nil, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDesk{t: t, org: org}
	d.srv = httptest.NewTLSServer(http.HandlerFunc(d.serve))
	t.Cleanup(d.srv.Close)
	return d
}

// cardFile is the organisation's card naming this desk as its inbox.
func (d *fakeDesk) cardFile() []byte {
	d.t.Helper()
	b, err := d.org.CardWithInbox(d.srv.URL+"/", bundle.InboxPin(d.srv.Certificate()), time.Now().Add(-time.Minute))
	if err != nil {
		d.t.Fatal(err)
	}
	return b
}

func (d *fakeDesk) card() *bundle.Card {
	d.t.Helper()
	c, err := bundle.ParseCard(d.cardFile())
	if err != nil {
		d.t.Fatal(err)
	}
	return c
}

// keep keeps the desk's card in v.
func (d *fakeDesk) keep(v *vault.Vault) *bundle.Card {
	d.t.Helper()
	c, err := share.RememberCard(v, d.cardFile())
	if err != nil {
		d.t.Fatal(err)
	}
	return c
}

func refuseJSON(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(wire.Refusal{Code: code, Message: "nee"})
}

func (d *fakeDesk) serve(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	d.requests++
	d.mu.Unlock()
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	switch r.URL.Path {
	case "/" + wire.PathDeliver:
		br, err := bundle.Open(bytes.NewReader(body), bundle.Options{Org: d.org})
		if err != nil {
			refuseJSON(w, http.StatusUnprocessableEntity, "bundle."+string(bundle.CodeOf(err)))
			return
		}
		for {
			if _, _, err := br.Next(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				refuseJSON(w, http.StatusUnprocessableEntity, "bundle.damaged")
				return
			}
		}
		m := br.Manifest()
		rc, err := bundle.NewReceipt(d.org, m.ID, bundle.ManifestDigest(br.ManifestBytes()), time.Now(), m.NotAfter)
		if err != nil {
			d.t.Error(err)
		}
		d.mu.Lock()
		d.delivered = append(d.delivered, m.ID)
		if d.receipt != nil {
			rc = d.receipt(rc)
		}
		d.mu.Unlock()
		w.Write(rc)
	case "/" + wire.PathRevoke:
		d.mu.Lock()
		d.revoked = append(d.revoked, body)
		d.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case "/" + wire.PathMessage:
		if d.unknownCase {
			refuseJSON(w, http.StatusUnprocessableEntity, "post.unknown_case")
			return
		}
		d.mu.Lock()
		d.inbox = append(d.inbox, body)
		d.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case "/" + wire.PathPickup:
		if _, err := wire.VerifyPickup(body, d.org.Card().Fingerprint(), time.Now()); err != nil {
			json.NewEncoder(w).Encode(wire.PickupReply{})
			return
		}
		d.mu.Lock()
		reply := wire.PickupReply{Messages: d.messages, Access: d.access}
		d.mu.Unlock()
		json.NewEncoder(w).Encode(reply)
	default:
		http.NotFound(w, r)
	}
}

// write seals a message from the organisation to the citizen of v and
// puts it in the desk's waiting list.
func (d *fakeDesk) write(v *vault.Vault, c wire.Case, text string) *wire.Message {
	d.t.Helper()
	me, err := Me(v)
	if err != nil {
		d.t.Fatal(err)
	}
	m := wire.NewMessage(wire.PartyOfCard(d.org.Card()), me, c, text, time.Now())
	file, _, err := wire.Seal(d.org, m)
	if err != nil {
		d.t.Fatal(err)
	}
	d.mu.Lock()
	d.messages = append(d.messages, file)
	d.mu.Unlock()
	return m
}

// makeShare makes a share of the vault's income for card, saved in a
// file, and returns its id and file.
func makeShare(t testing.TB, v *vault.Vault, card *bundle.Card, caseRef string) (string, string) {
	t.Helper()
	if _, err := v.Add("income", map[string]string{"source": "UWV", "amount": "1234,56"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d, err := share.NewDraft(ctx, v, share.Scope{Categories: []string{"income"}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "deel.kluis")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d.Request = share.Request{To: card, NotAfter: time.Now().Add(14 * 24 * time.Hour), Purpose: "Schuldhulp",
		CaseReference: caseRef, File: path}
	res, err := d.Sign(ctx, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.Manifest.ID, path
}

func wantCode(t testing.TB, err error, c wire.Code) {
	t.Helper()
	if !errors.Is(err, &wire.Error{Code: c}) {
		t.Fatalf("got %v, want code %s", err, c)
	}
}
