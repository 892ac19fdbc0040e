package post

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"kluis/citizen/cases"
	"kluis/citizen/share"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/sync/request"
)

// The conversation both ways: the citizen delivers a share and writes
// about it; the caseworker's answer is picked up into the same thread,
// once, however often the desk hands it out.
func TestConversationBothWays(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	card := desk.keep(v)
	ctx := context.Background()
	id, _ := makeShare(t, v, card, "Z-2026-0042")
	if _, err := Deliver(ctx, v, id, nil); err != nil {
		t.Fatal(err)
	}
	sent, err := SendMessage(ctx, v, card, wire.Case{BundleID: id}, "Ik stuur de loonstrook later na.")
	if err != nil || !sent.Posted {
		t.Fatalf("send: %+v %v", sent, err)
	}
	if len(desk.inbox) != 1 {
		t.Fatal("the desk got no message")
	}
	// The desk can read it, and it is signed by the citizen's key.
	m, _, err := wire.Open(desk.inbox[0], desk.org.AgeIdentity(), wire.PartyOfCard(desk.org.Card()))
	if err != nil || m.Text != "Ik stuur de loonstrook later na." || m.From.Kind != wire.Citizen {
		t.Fatalf("desk opened %+v %v", m, err)
	}
	me, _ := Me(v)
	if !m.From.Same(me) {
		t.Error("the message is not from the vault's keys")
	}

	desk.write(v, wire.Case{BundleID: id, CaseReference: "Z-2026-0042"}, "Dank u wel. We bellen u maandag.")
	got, err := Fetch(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cards != 1 || len(got.New) != 1 || got.Refused != 0 || len(got.Failed) != 0 {
		t.Fatalf("fetched %+v", got)
	}
	thID := cases.ThreadID(card.Fingerprint(), "Z-2026-0042")
	if got.New[0].Thread != thID || got.PerThread()[thID] != 1 {
		t.Errorf("filed in %s", got.New[0].Thread)
	}
	// Handed out again: nothing new.
	again, err := Fetch(ctx, v)
	if err != nil || len(again.New) != 0 || again.Refused != 0 {
		t.Fatalf("second fetch %+v %v", again, err)
	}
	th, err := cases.GetThread(v, thID)
	if err != nil {
		t.Fatal(err)
	}
	shares, _ := share.List(v)
	var kinds []string
	for _, e := range th.Timeline(shares) {
		k := e.Kind
		if e.Kind == cases.KindMessage {
			k += "." + e.Direction
		}
		kinds = append(kinds, k)
	}
	// The share first, the message sent before the answer; the receipt
	// falls where its time puts it (before or after the message sent,
	// depending on how fast the desk answered).
	out, in := slices.Index(kinds, "message.out"), slices.Index(kinds, "message.in")
	if len(kinds) == 0 || kinds[0] != "share" || out < 0 || in < out || !slices.Contains(kinds, "receipt") {
		t.Errorf("timeline: %s", strings.Join(kinds, " "))
	}
	if in, out := th.Messages(); in != 1 || out != 1 {
		t.Errorf("messages in %d out %d", in, out)
	}
	logHas(t, v, ActionMessageSent)
	e := logHas(t, v, ActionMessageReceived)
	if strings.Contains(e.Detail, "maandag") {
		t.Error("the log holds a message's text")
	}
}

func TestFetchRefusesWhatDoesNotCheckOut(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	card := desk.keep(v)
	ctx := context.Background()
	me, _ := Me(v)
	c := wire.Case{CaseReference: "Z-1"}

	// Signed by another organisation, addressed to Fatima.
	imp, _ := bundle.GenerateOrgIdentity("Gemeente Zwolle", "", nil, time.Now().Add(-time.Hour))
	m := wire.NewMessage(wire.PartyOfCard(imp.Card()), me, c, "Betaal nu.", time.Now())
	forged, _, err := wire.Seal(imp, m)
	if err != nil {
		t.Fatal(err)
	}
	// For another citizen, encrypted to Fatima's key all the same.
	sami := newVault(t, "Sami")
	samiParty, _ := Me(sami)
	m2 := wire.NewMessage(wire.PartyOfCard(desk.org.Card()), samiParty, c, "Voor Sami.", time.Now())
	_, signedFile, err := wire.Seal(desk.org, m2)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := age.ParseX25519Recipient(me.X25519)
	var sb strings.Builder
	w, _ := age.Encrypt(&sb, r)
	w.Write(signedFile)
	w.Close()
	forwarded := []byte(sb.String())
	oversize := make([]byte, wire.MaxMessageFile+1)
	desk.messages = [][]byte{forged, forwarded, oversize, []byte("rommel")}
	desk.access = []string{"geen verklaring"}
	good := desk.write(v, c, "Welkom.")

	got, err := Fetch(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if got.Refused != 5 || len(got.New) != 1 || got.New[0].Entry.MessageID != good.ID {
		t.Fatalf("fetched %+v", got)
	}
	th, _ := cases.GetThread(v, cases.ThreadID(card.Fingerprint(), "Z-1"))
	if len(th.Entries) != 1 {
		t.Errorf("kept %d entries", len(th.Entries))
	}
	logHas(t, v, ActionPostRefused)
}

func TestFetchAskesEveryDeskAndNotesTheDown(t *testing.T) {
	v := newVault(t, "Fatima")
	up, down := newDesk(t, "Gemeente Zwolle"), newDesk(t, "Gemeente Kampen")
	up.keep(v)
	down.keep(v)
	// A card without an inbox is not asked.
	plain, _ := bundle.GenerateOrgIdentity("Gemeente Deventer", "", nil, time.Now().Add(-time.Hour))
	if _, err := share.RememberCard(v, plain.CardFile()); err != nil {
		t.Fatal(err)
	}
	up.write(v, wire.Case{CaseReference: "Z-7"}, "Hallo.")
	down.srv.Close()
	got, err := Fetch(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cards != 2 || len(got.New) != 1 || len(got.Failed) != 1 || got.Failed[0].Org != "Gemeente Kampen" || !Unreachable(got.Failed[0].Err) {
		t.Fatalf("fetched %+v", got)
	}
}

func TestMessageWithoutInboxIsAFile(t *testing.T) {
	v := newVault(t, "Fatima")
	org, _ := bundle.GenerateOrgIdentity("Gemeente Deventer", "", nil, time.Now().Add(-time.Hour))
	card, err := share.RememberCard(v, org.CardFile())
	if err != nil {
		t.Fatal(err)
	}
	sent, err := SendMessage(context.Background(), v, card, wire.Case{CaseReference: "D-9"}, "Zie bijlage.")
	if err != nil || sent.Posted || len(sent.File) == 0 {
		t.Fatalf("%+v %v", sent, err)
	}
	m, _, err := wire.Open(sent.File, org.AgeIdentity(), wire.PartyOfCard(card))
	if err != nil || m.Text != "Zie bijlage." {
		t.Fatalf("open the file: %v", err)
	}
	if e := sent.Thread.Entries[0]; e.Delivery != "file" || e.Direction != cases.Out {
		t.Errorf("entry %+v", e)
	}
}

func TestMessageDeskDownKeepsIt(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	card := desk.keep(v)
	desk.srv.Close()
	sent, err := SendMessage(context.Background(), v, card, wire.Case{CaseReference: "Z-1"}, "Bent u er?")
	var ke *KeptError
	if !errors.As(err, &ke) || sent.Posted || len(sent.File) == 0 || sent.Thread == nil {
		t.Fatalf("%+v %v", sent, err)
	}
	if ke.ErrorCode() != "post.kept" {
		t.Errorf("code %s", ke.ErrorCode())
	}
}

func TestMessageUnknownCaseKeepsNothing(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	card := desk.keep(v)
	desk.unknownCase = true
	_, err := SendMessage(context.Background(), v, card, wire.Case{CaseReference: "Z-1"}, "Hallo?")
	var re *wire.RemoteError
	if !errors.As(err, &re) || re.ErrorCode() != "post.unknown_case" {
		t.Fatalf("%v", err)
	}
	if ts, _ := cases.Threads(v); len(ts) != 0 {
		t.Error("a refused message was kept")
	}
	// Too long a text is refused before anything is sent.
	desk.unknownCase = false
	_, err = SendMessage(context.Background(), v, card, wire.Case{CaseReference: "Z-1"}, strings.Repeat("a", wire.MaxText+1))
	wantCode(t, err, wire.CodeBadMessage)
	if len(desk.inbox) != 0 {
		t.Error("sent")
	}
}

func TestRefuseRequestWithMessage(t *testing.T) {
	v := newVault(t, "Fatima")
	desk := newDesk(t, "Gemeente Zwolle")
	card := desk.keep(v)
	now := time.Now().Truncate(time.Second)
	f := request.Fields{ID: "3b9a2c1d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Purpose: "Schuldhulp", CaseReference: "Z-2026-0042",
		Scope: []request.Item{{Category: "income"}}, AnswerBy: now.Add(14 * 24 * time.Hour), KeepUntil: now.Add(90 * 24 * time.Hour)}
	raw, err := request.New(desk.org, f, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	o, err := request.Open(raw, []*bundle.Card{card})
	if err != nil {
		t.Fatal(err)
	}
	th, sent, err := RefuseRequest(context.Background(), v, o, "Dit gaat via mijn bewindvoerder.")
	if err != nil || !sent.Posted {
		t.Fatalf("%+v %v", sent, err)
	}
	if th.State(f.ID) != "refused" || sent.Message.Refuses != f.ID {
		t.Errorf("state %s refuses %s", th.State(f.ID), sent.Message.Refuses)
	}
	if in, out := th.Messages(); in != 0 || out != 1 {
		t.Errorf("thread %+v", th.Entries)
	}
	// A reply from the desk about the request lands in the same thread.
	desk.write(v, wire.Case{RequestID: f.ID}, "Begrepen.")
	got, err := Fetch(context.Background(), v)
	if err != nil || len(got.New) != 1 || got.New[0].Thread != th.ID {
		t.Fatalf("%+v %v", got, err)
	}
}
