package main

import (
	"os"
	"testing"
	"time"

	"kluis/citizen/delegation"

	"kluis/sync/delegate"
	"kluis/vault"
)

// now is the time the delegation verbs work with. Test binaries may set
// it through KLUISCTL_TEST_NOW (RFC 3339), so scenarios can let an
// emergency wait pass; a real kluisctl always uses the clock.
func (c *cli) now() time.Time {
	if testing.Testing() {
		if t, err := time.Parse(time.RFC3339, os.Getenv("KLUISCTL_TEST_NOW")); err == nil {
			return t
		}
	}
	return time.Now()
}

// cmdEmergencyRequest asks, as the delegate, for emergency access to the
// vault named by --managed; the request travels with the next sync.
func (c *cli) cmdEmergencyRequest([]string) error {
	only := c.managed
	if only == "" {
		return c.usage("emergency request", "cli.emergency.usage.managed", nil)
	}
	now := c.now()
	return c.ownVault(func(v *vault.Vault) error {
		m, err := delegation.FindManaged(v, only)
		if err != nil {
			return c.problem("cli.managed.error.unknown", map[string]any{"ID": only})
		}
		st, err := delegation.RequestEmergency(v, m, now)
		if err == delegation.ErrNoEmergency {
			return c.problem("cli.emergency.error.not_emergency", map[string]any{"Name": m.Owner.Name})
		}
		if err != nil {
			return c.aboutVault(err)
		}
		return c.done("cli.emergency.requested", map[string]any{"Name": m.Owner.Name, "Opens": st.OpensAt.Local().Format("2006-01-02 15:04")},
			map[string]any{"owner": m.Owner.Name, "requested": st.Requested, "opens_at": st.OpensAt})
	})
}

func (c *cli) cmdDelegateApprove(args []string) error {
	return c.answerEmergency(args[0], delegate.EmergencyApprove)
}

func (c *cli) cmdDelegateRefuse(args []string) error {
	return c.answerEmergency(args[0], delegate.EmergencyRefuse)
}

// answerEmergency approves or refuses, as the owner, the newest emergency
// request of the delegation with id (or its start).
func (c *cli) answerEmergency(id, kind string) error {
	now := c.now()
	return c.withVault(func(v *vault.Vault) error {
		ds, err := delegation.Delegations(v, now)
		if err != nil {
			return c.aboutVault(err)
		}
		d, err := delegation.Find(ds, id)
		if err != nil {
			return c.problem("cli.delegate.error.unknown", map[string]any{"ID": id})
		}
		err = delegation.AnswerEmergency(v, d, kind, now)
		if err == delegation.ErrNoEmergency {
			return c.problem("cli.emergency.error.no_request", map[string]any{"Name": d.Cert.Delegate.Name})
		}
		if err != nil {
			return c.aboutVault(err)
		}
		key := "cli.emergency.approved"
		if kind == delegate.EmergencyRefuse {
			key = "cli.emergency.refused"
		}
		return c.done(key, map[string]any{"Name": d.Cert.Delegate.Name},
			map[string]any{"id": d.Cert.ID, "answer": kind})
	})
}

// emergencyText says where an emergency grant stands, or "" for a grant
// that is not one.
func (c *cli) emergencyText(e *delegation.EmergencyState, now time.Time) (string, string) {
	if e == nil {
		return "", ""
	}
	when := map[string]any{"Opens": e.OpensAt.Local().Format("2006-01-02 15:04"), "Wait": e.Wait.String()}
	switch {
	case e.Requested.IsZero():
		return "not_requested", c.cat.T("cli.emergency.state.not_requested", when)
	case e.Answer == delegate.EmergencyRefuse:
		return "refused", c.cat.T("cli.emergency.state.refused", when)
	case e.Answer == delegate.EmergencyApprove:
		return "approved", c.cat.T("cli.emergency.state.approved", when)
	case now.Before(e.OpensAt):
		return "waiting", c.cat.T("cli.emergency.state.waiting", when)
	}
	return "open", c.cat.T("cli.emergency.state.open", when)
}
