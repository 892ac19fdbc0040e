package intake

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"kluis/internal/errcode"
	"kluis/sync/bundle"
	"kluis/sync/request"
)

// bucketRequests holds the data requests the organisation made:
//
//	requests/  request id (16 bytes) → sealed StoredRequest (JSON)
//
// Stores made before requests existed lack the bucket; it is created by
// the first SaveRequest, and reading treats a missing bucket as empty.
var bucketRequests = []byte("requests")

// Errors of answer matching.
var (
	// ErrUnknownRequest means a bundle answers a data request this store
	// did not make.
	ErrUnknownRequest = errcode.New("intake.unknown_request", "the bundle answers a data request this organisation did not make (or not from this intake store)")
	// ErrAlreadyAnswered means a request was answered before with another
	// bundle.
	ErrAlreadyAnswered = errcode.New("intake.already_answered", "this data request was already answered with another bundle")
	// ErrNotOurRequest means a request file is signed for another
	// organisation than the store's.
	ErrNotOurRequest = errcode.New("intake.not_our_request", "the data request is not made with this organisation's card")
)

// A StoredRequest is a data request the organisation made, with the
// bundle that answered it, if any.
type StoredRequest struct {
	ID       string    `json:"id"`
	File     []byte    `json:"file"` // the signed request file
	Saved    time.Time `json:"saved"`
	AnswerID string    `json:"answer_id,omitempty"` // the bundle that answered it
	// Refused is when the citizen refused it with a message (the direct
	// route, package sync/post); never set once answered.
	Refused *time.Time `json:"refused,omitempty"`
}

// Parsed returns the stored request, checked again.
func (sr *StoredRequest) Parsed() (*request.Parsed, error) {
	p, err := request.Parse(sr.File)
	if err != nil {
		return nil, fmt.Errorf("%w: request %s: %v", ErrDamaged, sr.ID, err)
	}
	return p, nil
}

// SaveRequest keeps a data request the organisation made, so that its
// answer can be matched at import. The file must be a request signed with
// the store's own card. Saving it again changes nothing.
func (s *Store) SaveRequest(file []byte) (*request.Parsed, error) {
	p, err := request.Parse(file)
	if err != nil {
		return nil, err
	}
	if p.Card.Fingerprint() != s.org.Card().Fingerprint() {
		return nil, ErrNotOurRequest
	}
	key, _ := idKey(p.Request.ID)
	val, err := json.Marshal(StoredRequest{ID: p.Request.ID, File: p.File, Saved: s.now().UTC().Truncate(time.Second)})
	if err != nil {
		return nil, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketRequests)
		if err != nil {
			return err
		}
		if b.Get(key) != nil {
			return nil
		}
		return s.put(tx, bucketRequests, key, val)
	})
	return p, err
}

// Requests returns the stored requests, oldest first.
func (s *Store) Requests() ([]*StoredRequest, error) {
	var out []*StoredRequest
	err := guard(func() error {
		return s.view(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketRequests)
			if b == nil {
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				plain, err := s.open(bucketRequests, k, v)
				if err != nil {
					return err
				}
				var sr StoredRequest
				if err := json.Unmarshal(plain, &sr); err != nil {
					return fmt.Errorf("%w: a request does not decode", ErrDamaged)
				}
				out = append(out, &sr)
				return nil
			})
		})
	})
	slices.SortStableFunc(out, func(a, b *StoredRequest) int { return a.Saved.Compare(b.Saved) })
	return out, err
}

// Request returns one stored request, or ErrUnknownRequest.
func (s *Store) Request(id string) (*StoredRequest, error) {
	var sr *StoredRequest
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		sr, err = s.getRequest(tx, id)
		return err
	})
	return sr, err
}

func (s *Store) getRequest(tx *bolt.Tx, id string) (*StoredRequest, error) {
	key, err := idKey(id)
	if err != nil || tx.Bucket(bucketRequests) == nil {
		return nil, ErrUnknownRequest
	}
	plain, err := s.get(tx, bucketRequests, key)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnknownRequest
	}
	if err != nil {
		return nil, err
	}
	var sr StoredRequest
	if err := json.Unmarshal(plain, &sr); err != nil || sr.ID != id {
		return nil, fmt.Errorf("%w: request %s", ErrDamaged, id)
	}
	return &sr, nil
}

// checkAnswer checks a verified bundle that names a request against the
// stored request: known, not answered by another bundle, within its scope.
func (s *Store) checkAnswer(m *bundle.Manifest, rs *bundle.Records) error {
	sr, err := s.Request(m.RequestID)
	if err != nil {
		return err
	}
	if sr.AnswerID != "" && sr.AnswerID != m.ID {
		return ErrAlreadyAnswered
	}
	p, err := sr.Parsed()
	if err != nil {
		return err
	}
	return p.Request.CheckAnswer(m, rs)
}

// markRefused notes, inside tx, that a citizen refused the request with
// a message. A request answered already stays answered.
func (s *Store) markRefused(tx *bolt.Tx, requestID string, at time.Time) error {
	sr, err := s.getRequest(tx, requestID)
	if err != nil {
		return ErrUnknownCase
	}
	if sr.AnswerID != "" || sr.Refused != nil {
		return nil
	}
	sr.Refused = &at
	val, err := json.Marshal(sr)
	if err != nil {
		return err
	}
	key, _ := idKey(requestID)
	return s.put(tx, bucketRequests, key, val)
}

// markAnswered notes, inside the import's transaction, that bundleID
// answered the request; another answer in between is a conflict.
func (s *Store) markAnswered(tx *bolt.Tx, requestID, bundleID string) error {
	sr, err := s.getRequest(tx, requestID)
	if err != nil {
		return err
	}
	if sr.AnswerID != "" && sr.AnswerID != bundleID {
		return ErrAlreadyAnswered
	}
	sr.AnswerID = bundleID
	val, err := json.Marshal(sr)
	if err != nil {
		return err
	}
	key, _ := idKey(requestID)
	return s.put(tx, bucketRequests, key, val)
}
