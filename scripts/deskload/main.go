// Command deskload sends bundles to a desk's inbox as citizens' Kluis
// would (package sync/post, the card's pinned key), for
// scripts/bench-post.sh:
//
//	deskload -card FILE -n N -size BYTES   N different bundles at once
//	deskload -card FILE -file BUNDLE       one bundle file, timed
//
// It makes the N bundles in memory first (one citizen key, one document
// of random bytes each), then posts them all at the same time, each in its
// own request and its own connection (as N citizens' Kluis would), and prints "ok N failed N seconds" and, per refusal code,
// how many. With -file it prints the seconds from the first byte sent to
// the receipt read.
package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/google/uuid"

	"kluis/internal/errcode"
	"kluis/internal/sign"
	"kluis/sync/bundle"
	"kluis/sync/post"
)

type signer ed25519.PrivateKey

func (s signer) Sign(domain string, msg []byte) ([]byte, error) {
	return sign.With(ed25519.PrivateKey(s), domain, msg), nil
}

func main() {
	cardFile := flag.String("card", "", "the organisation's card, with an inbox")
	n := flag.Int("n", 200, "bundles to send at once")
	size := flag.Int64("size", 1<<20, "bytes of the document in each bundle")
	file := flag.String("file", "", "send this bundle file instead, once")
	flag.Parse()
	raw, err := os.ReadFile(*cardFile)
	check(err)
	card, err := bundle.ParseCard(raw)
	check(err)
	client, err := post.NewClient(card)
	check(err)
	ctx := context.Background()
	if *file != "" {
		f, err := os.Open(*file)
		check(err)
		st, _ := f.Stat()
		t0 := time.Now()
		rc, err := client.Deliver(ctx, f, st.Size())
		check(err)
		el := time.Since(t0)
		if _, err := bundle.ParseReceipt(rc); err != nil {
			check(err)
		}
		fmt.Printf("%.3f\n", el.Seconds())
		return
	}
	bundles := make([][]byte, *n)
	pub, priv, _ := ed25519.GenerateKey(nil)
	x, _ := age.GenerateX25519Identity()
	issuer := bundle.Issuer{Name: "Belasting Test", X25519: x.Recipient().String(), Ed25519: bundle.EncodeKey(pub)}
	now := time.Now().UTC().Truncate(time.Second)
	for i := range bundles {
		data := make([]byte, *size)
		rand.Read(data)
		sum := sha256.Sum256(data)
		rec := uuid.NewString()
		s := &bundle.Share{Created: now, NotAfter: now.Add(14 * 24 * time.Hour), Purpose: "Aanvraag bijstand",
			CaseReference: fmt.Sprintf("Z-%04d", i), Issuer: issuer, To: card,
			Scope: bundle.Scope{Categories: []string{"income"}},
			Records: []bundle.Record{{ID: rec, Category: "income", Version: 1, Modified: now.Add(-time.Hour),
				Fields: map[string]any{"source": "Werkgever", "amount": int64(210000), "period": "month", "kind": "salary"}}},
			Documents: []bundle.DocumentSource{{Document: bundle.Document{ID: uuid.NewString(), Name: "loonstrook.pdf", MediaType: "application/pdf", Record: rec},
				Size: *size, SHA256: hex.EncodeToString(sum[:]), Write: func(w io.Writer) error { _, err := w.Write(data); return err }}},
		}
		var b bytes.Buffer
		_, err := bundle.Write(&b, s, signer(priv))
		check(err)
		bundles[i] = b.Bytes()
	}
	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, b := range bundles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own, err := post.NewClient(card)
			check(err)
			<-start
			rc, err := own.Deliver(ctx, bytes.NewReader(b), int64(len(b)))
			if err == nil {
				_, err = bundle.ParseReceipt(rc)
			}
			code := "ok"
			if err != nil {
				code = errcode.Code(err)
				if code == "" {
					code = err.Error()
				}
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	el := time.Since(t0)
	failed := *n - codes["ok"]
	fmt.Printf("ok %d failed %d seconds %.2f\n", codes["ok"], failed, el.Seconds())
	var keys []string
	for k := range codes {
		if k != "ok" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("  %s: %d\n", k, codes[k])
	}
	if failed > 0 {
		os.Exit(1)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "deskload:", err)
		os.Exit(1)
	}
}
