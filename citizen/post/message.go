package post

import (
	"context"

	"kluis/citizen/cases"
	"kluis/citizen/share"
	"kluis/sync/bundle"
	wire "kluis/sync/post"
	"kluis/sync/request"
	"kluis/vault"
)

// FileSuffix ends the name of a message file kept to send another way
// (a message is a kluis-message/v1 file, encrypted to the organisation).
const FileSuffix = ".kluis-message"

// Sent is what SendMessage did.
type Sent struct {
	Message *wire.Message
	// File is the message file, encrypted to the organisation. When Posted
	// is false the caller saves it (name ending in FileSuffix) for the
	// citizen to send another way.
	File   []byte
	Posted bool // delivered to the organisation's desk
	Thread *cases.Thread
}

// Me is the citizen as a party of a message: the vault owner's name and
// keys, as a bundle's issuer names them.
func Me(v *vault.Vault) (wire.Party, error) {
	keys, err := v.PublicKeys()
	if err != nil {
		return wire.Party{}, err
	}
	return wire.PartyOfIssuer(share.Issuer(v.Author().Person, keys)), nil
}

// SendMessage writes text to the organisation of card about case c (a
// share the citizen sent it, a request it sent, or its case reference —
// at least one), signed with the vault's key and encrypted to the card,
// and keeps it in the case's thread (logged, without its text).
//
// When the card has an inbox the message is posted to it (Posted). When
// it has none, or the desk cannot be reached, the message is kept in the
// thread all the same, as sent by file, and returned in Sent.File for the
// caller to save; an unreachable desk also gives a *KeptError. A refusal
// by the desk (a *sync/post.RemoteError, such as post.unknown_case when it
// knows no case from this citizen) keeps nothing.
func SendMessage(ctx context.Context, v *vault.Vault, card *bundle.Card, c wire.Case, text string) (Sent, error) {
	return send(ctx, v, card, c, "", text)
}

func send(ctx context.Context, v *vault.Vault, card *bundle.Card, c wire.Case, refuses, text string) (Sent, error) {
	me, err := Me(v)
	if err != nil {
		return Sent{}, err
	}
	m := wire.NewMessage(me, wire.PartyOfCard(card), c, text, now())
	m.Refuses = refuses
	file, signedFile, err := wire.Seal(v, m)
	if err != nil {
		return Sent{}, err
	}
	b, err := openBook(v)
	if err != nil {
		return Sent{}, err
	}
	res := Sent{Message: m, File: file}
	var sendErr error
	if card.Inbox != "" {
		cl, err := newClient(card)
		if err != nil {
			return Sent{}, err
		}
		defer cl.Close()
		sendErr = cl.Send(ctx, file)
		if sendErr != nil && !Unreachable(sendErr) {
			return Sent{}, sendErr
		}
		res.Posted = sendErr == nil
	}
	t := b.thread(card, c)
	delivery, how := "file", "as a file"
	if res.Posted {
		delivery, how = "desk", "to the desk"
	}
	t.AddMessage(cases.Entry{Kind: cases.KindMessage, At: m.Created, Direction: cases.Out, MessageID: m.ID,
		From: me.Name, Message: m.Text, RequestID: c.RequestID, BundleID: c.BundleID, Refuses: refuses,
		File: string(signedFile), Delivery: delivery})
	err = cases.PutThread(v, t, vault.Event{Action: ActionMessageSent, Subject: m.ID, Detail: orgDetail(card) + "; " + how})
	if err != nil {
		return Sent{}, err
	}
	res.Thread = t
	if sendErr != nil {
		return res, &KeptError{Err: sendErr}
	}
	return res, nil
}

// RefuseRequest refuses request o, as cases.Refuse does, and when text is
// not empty sends it to the organisation as a message that refuses the
// request (SendMessage): to the desk of the kept card of the request's
// organisation, or of the request's own card, when it names an inbox,
// else as a file in Sent.File. Without text nothing is sent.
func RefuseRequest(ctx context.Context, v *vault.Vault, o *request.Opened, text string) (*cases.Thread, Sent, error) {
	t, err := cases.Refuse(v, o, now())
	if err != nil || text == "" {
		return t, Sent{}, err
	}
	card := o.Card
	kept, err := share.Cards(v)
	if err != nil {
		return t, Sent{}, err
	}
	for _, k := range kept {
		if k.Card.Fingerprint() == card.Fingerprint() {
			card = k.Card
		}
	}
	c := wire.Case{RequestID: o.Request.ID, CaseReference: o.Request.CaseReference}
	s, err := send(ctx, v, card, c, o.Request.ID, text)
	if s.Thread != nil {
		t = s.Thread
	}
	return t, s, err
}

// CaseOf is the case a message about thread t names: its case reference,
// and its newest share and request, so the organisation finds the case.
func CaseOf(t *cases.Thread) wire.Case {
	return wire.Case{CaseReference: t.CaseReference, BundleID: t.LastBundle(), RequestID: t.LastRequest()}
}
