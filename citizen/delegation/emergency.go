package delegation

import (
	"slices"
	"time"

	"kluis/internal/errcode"
	"kluis/sync/delegate"
	"kluis/vault"
)

// Activity-log action of an emergency request.
const ActionEmergencyRequested vault.Action = "emergency.requested"

// ErrNoEmergency means a certificate is not an emergency grant, or there is
// no open request to answer.
var ErrNoEmergency = errcode.New("delegation.no_emergency", "no emergency request to make or answer")

// EmergencyState is where an emergency grant stands: the newest request,
// its answer, and when access opens without one.
type EmergencyState struct {
	Wait      time.Duration
	Requested time.Time // zero: not asked
	Answer    string    // "", EmergencyApprove or EmergencyRefuse
	OpensAt   time.Time // Requested + Wait
}

func emergencyState(c *delegate.Certificate, stmts []string) *EmergencyState {
	if c == nil || c.EmergencyWait == 0 {
		return nil
	}
	st := &EmergencyState{Wait: time.Duration(c.EmergencyWait) * time.Second}
	for _, e := range parseEmergencies(stmts) {
		if e.CertificateID == c.ID && e.Kind == delegate.EmergencyRequest && e.Signer == c.Delegate.Ed25519 && e.Requested.After(st.Requested) {
			st.Requested, st.Answer = e.Requested, ""
		}
	}
	for _, e := range parseEmergencies(stmts) {
		if e.CertificateID == c.ID && e.Kind != delegate.EmergencyRequest && e.Signer == c.Owner.Ed25519 && e.Requested.Equal(st.Requested) && !st.Requested.IsZero() {
			st.Answer = e.Kind
		}
	}
	if !st.Requested.IsZero() {
		st.OpensAt = st.Requested.Add(st.Wait)
	}
	return st
}

// Emergency returns the state of the delegation's emergency grant, or nil
// when it is not one.
func (d *Delegation) Emergency() *EmergencyState { return d.emergency }

// RequestEmergency asks, as the delegate, for emergency access to the
// managed vault. The signed request travels with the next sync; access
// opens when the owner approves, or after the wait unless they refuse.
func RequestEmergency(own *vault.Vault, m *Managed, now time.Time) (*EmergencyState, error) {
	cert := m.emergencyCert()
	if cert == nil {
		return nil, ErrNoEmergency
	}
	signed, err := delegate.NewEmergency(own, cert.Delegate.Ed25519, cert, delegate.EmergencyRequest, now, now)
	if err != nil {
		return nil, err
	}
	st, err := loadJSON[peerState](own, kindManPeer, m.ID())
	if err != nil {
		return nil, err
	}
	st.Stmts = append(st.Stmts, string(signed))
	err = saveJSON(own, kindManPeer, m.ID(), st, vault.Event{Action: ActionEmergencyRequested, Subject: cert.ID, Detail: m.Owner.Name})
	if err != nil {
		return nil, err
	}
	return emergencyState(cert, st.Stmts), nil
}

// ManagedEmergency returns the state of a managed vault's emergency grant
// as the delegate knows it, or nil when it is not one.
func ManagedEmergency(own *vault.Vault, m *Managed) (*EmergencyState, error) {
	st, err := loadJSON[peerState](own, kindManPeer, m.ID())
	if err != nil {
		return nil, err
	}
	return emergencyState(m.emergencyCert(), st.Stmts), nil
}

// emergencyCert is the newest emergency grant not revoked, or nil.
func (m *Managed) emergencyCert() *delegate.Certificate {
	var out *delegate.Certificate
	for _, c := range m.Certs() {
		if c.EmergencyWait > 0 && !m.IsRevoked(c) {
			out = c
		}
	}
	return out
}

// AnswerEmergency approves or refuses, as the owner, the delegate's newest
// emergency request (kind EmergencyApprove or EmergencyRefuse). The answer
// travels with the next sync.
func AnswerEmergency(v *vault.Vault, d Delegation, kind string, now time.Time) error {
	if kind != delegate.EmergencyApprove && kind != delegate.EmergencyRefuse {
		return ErrNoEmergency
	}
	e := d.Emergency()
	if e == nil || e.Requested.IsZero() || d.Revoked != nil {
		return ErrNoEmergency
	}
	signed, err := delegate.NewEmergency(v, d.Cert.Owner.Ed25519, d.Cert, kind, e.Requested, now)
	if err != nil {
		return err
	}
	id := d.Cert.Delegate.Fingerprint()
	st, err := loadJSON[peerState](v, kindPeer, id)
	if err != nil {
		return err
	}
	if !slices.Contains(st.Stmts, string(signed)) {
		st.Stmts = append(st.Stmts, string(signed))
	}
	return saveJSON(v, kindPeer, id, st, vault.Event{Action: ActionEmergencyAnswered, Subject: d.Cert.ID, Detail: d.Cert.Delegate.Name + " " + kind})
}
