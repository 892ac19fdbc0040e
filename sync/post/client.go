package post

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"kluis/sync/bundle"
)

// The desk's paths, relative to the card's inbox address. Each takes a
// POST whose body is one file:
//
//	api/v1/deliver  a share bundle or an answer to a request → 200 with the
//	                signed receipt (text/plain)
//	api/v1/revoke   a revocation notice → 204
//	api/v1/message  a message file to the organisation → 204
//	api/v1/pickup   a pickup → 200 with a PickupReply (JSON)
//
// A refusal is 4xx with a Refusal (JSON); 429 and 503 mean "try again
// later".
const (
	PathDeliver = "api/v1/deliver"
	PathRevoke  = "api/v1/revoke"
	PathMessage = "api/v1/message"
	PathPickup  = "api/v1/pickup"
)

// ContentType of the files posted to the desk.
const ContentType = "application/octet-stream"

// A Refusal is the body of the desk's 4xx answers: the error code of the
// refusal (as errcode names it, "bundle.expired"), and the sentence in the
// language the request asked for.
type Refusal struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// MaxRefusal and MaxReceipt bound what the client reads of an answer.
const (
	MaxRefusal = 16 << 10
	MaxReceipt = 64 << 10
)

// A RemoteError is a refusal by the desk, with the code it gave. Its
// ErrorCode is that code, so the citizen's Kluis says it in its own words
// when it knows the code (the desk and Kluis share their codes).
type RemoteError struct {
	Status  int
	Code    string
	Message string // the desk's own sentence
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("the desk refused (%d %s): %s", e.Status, e.Code, e.Message)
}

// ErrorCode is the desk's code, or "post.refused" when it gave none that
// looks like a code.
func (e *RemoteError) ErrorCode() string {
	if isCode(e.Code) {
		return e.Code
	}
	return "post." + string(CodeRefused)
}

func isCode(s string) bool {
	if len(s) == 0 || len(s) > 64 || !strings.Contains(s, ".") {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '_' {
			return false
		}
	}
	return true
}

// A Client talks to the desk of one organisation card.
type Client struct {
	card *bundle.Card
	base *url.URL
	http *http.Client
	// Lang is sent as Accept-Language ("nl" or "en").
	Lang string
}

// Timeouts of the client. A whole call is bounded by its context.
const (
	dialTimeout   = 10 * time.Second
	answerTimeout = 2 * time.Minute // from the last byte sent to the answer's first: the desk stores before it answers
)

// NewClient returns a client for card's inbox; CodeNoInbox when it has
// none.
func NewClient(card *bundle.Card) (*Client, error) {
	if card.Inbox == "" || card.InboxPin == "" {
		return nil, refuse(CodeNoInbox, "%s has no inbox", card.Org)
	}
	base, err := url.Parse(card.Inbox)
	if err != nil {
		return nil, refuseErr(CodeNoInbox, err, "inbox")
	}
	pin := card.InboxPin
	tlsConf := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The card's pin replaces the certificate authorities: the server
		// must present a certificate with the pinned public key (and,
		// through the handshake, prove it holds its private key).
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || bundle.InboxPin(cs.PeerCertificates[0]) != pin {
				return &Error{Code: CodeWrongServer, Detail: "the server's key is not the one on the card"}
			}
			return nil
		},
	}
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: dialTimeout}).DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   dialTimeout,
		ResponseHeaderTimeout: answerTimeout,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
		Proxy:                 nil, // straight to the desk: the pin is the trust, not a proxy
	}
	return &Client{card: card, base: base, http: &http.Client{Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, Lang: "nl"}, nil
}

// Close lets go of idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Card is the card the client was made for.
func (c *Client) Card() *bundle.Card { return c.card }

// Deliver posts a bundle (a share or an answer) of size bytes and returns
// the desk's signed receipt, unchecked: the caller checks it against the
// bundle it made (share.ImportReceipt).
func (c *Client) Deliver(ctx context.Context, body io.Reader, size int64) ([]byte, error) {
	resp, err := c.post(ctx, PathDeliver, body, size)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxReceipt+1))
	if err != nil {
		return nil, c.netErr(ctx, err)
	}
	if len(b) > MaxReceipt || resp.StatusCode != http.StatusOK {
		return nil, refuse(CodeBadAnswer, "the desk answered %d with %d bytes", resp.StatusCode, len(b))
	}
	return b, nil
}

// Revoke posts a revocation notice.
func (c *Client) Revoke(ctx context.Context, notice []byte) error {
	return c.postNoContent(ctx, PathRevoke, notice)
}

// Send posts a message file to the organisation.
func (c *Client) Send(ctx context.Context, message []byte) error {
	return c.postNoContent(ctx, PathMessage, message)
}

// Pickup posts a pickup and returns what waits.
func (c *Client) Pickup(ctx context.Context, pickup []byte) (*PickupReply, error) {
	resp, err := c.post(ctx, PathPickup, bytes.NewReader(pickup), int64(len(pickup)))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, refuse(CodeBadAnswer, "the desk answered %d", resp.StatusCode)
	}
	var reply PickupReply
	dec := json.NewDecoder(io.LimitReader(resp.Body, MaxPickupReply))
	if err := dec.Decode(&reply); err != nil {
		if ctx.Err() != nil {
			return nil, c.netErr(ctx, err)
		}
		return nil, refuseErr(CodeBadAnswer, err, "pickup reply")
	}
	return &reply, nil
}

func (c *Client) postNoContent(ctx context.Context, path string, file []byte) error {
	resp, err := c.post(ctx, path, bytes.NewReader(file), int64(len(file)))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, MaxRefusal))
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		return refuse(CodeBadAnswer, "the desk answered %d", resp.StatusCode)
	}
	return nil
}

// post sends a file and returns a 2xx answer; any other answer is read
// as a refusal and closed.
func (c *Client) post(ctx context.Context, path string, body io.Reader, size int64) (*http.Response, error) {
	u := c.base.ResolveReference(&url.URL{Path: path})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("Accept-Language", c.Lang)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.netErr(ctx, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxRefusal))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		return nil, refuse(CodeBusy, "the desk answered %d", resp.StatusCode)
	}
	var r Refusal
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && json.Unmarshal(b, &r) == nil && r.Code != "" {
		return nil, &RemoteError{Status: resp.StatusCode, Code: r.Code, Message: r.Message}
	}
	if resp.StatusCode >= 500 {
		return nil, refuse(CodeUnreachable, "the desk answered %d", resp.StatusCode)
	}
	return nil, refuse(CodeBadAnswer, "the desk answered %d", resp.StatusCode)
}

// netErr names a failed connection: the wrong server, or unreachable.
func (c *Client) netErr(ctx context.Context, err error) error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	if ctx.Err() != nil {
		return &Error{Code: CodeUnreachable, Detail: "cancelled or timed out", Err: ctx.Err()}
	}
	return &Error{Code: CodeUnreachable, Detail: c.base.Host, Err: err}
}
