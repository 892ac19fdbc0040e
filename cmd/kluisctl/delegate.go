package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"kluis/citizen/delegation"

	"kluis/internal/cmdline"
	"kluis/internal/i18n"
	"kluis/sync/delegate"
	"kluis/sync/schema"
	"kluis/vault"
)

func delegateGrantFlags(c *cli, f *cmdline.FlagSet) {
	delegateFlags = delegateOptions{}
	o := &delegateFlags
	f.Str(&o.role, "role", "view|manage", "cli.delegate.flag.role")
	f.Str(&o.scope, "scope", "CAT[,CAT…]", "cli.delegate.flag.scope")
	f.Str(&o.until, "until", "DATE", "cli.delegate.flag.until")
	f.Str(&o.wait, "emergency-wait", "72h", "cli.delegate.flag.emergency_wait")
	f.Bool(&o.ownDevice, "own-device", "cli.delegate.flag.own_device")
}

// ownDeviceGrant fills in the grant to the person's own second computer:
// manage on every category, for ten years unless --until says otherwise,
// never an emergency wait.
func ownDeviceGrant(o *delegateOptions) bool {
	if o.role != "" || o.scope != "" || o.wait != "" {
		return false
	}
	o.role = delegate.RoleManage
	var all []string
	for _, cat := range schema.Categories() {
		all = append(all, cat.ID)
	}
	o.scope = strings.Join(all, ",")
	if o.until == "" {
		o.until = "10y"
	}
	return true
}

// parseUntil reads a date (the end of that day, local time), or "1y",
// "6m", "30d", "72h" from now.
func parseUntil(s string, now time.Time) (time.Time, bool) {
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil && t.After(now) {
		return i18n.EndOfDay(t, time.Local), true
	}
	if len(s) < 2 {
		return time.Time{}, false
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 || n > 3650 {
		return time.Time{}, false
	}
	switch s[len(s)-1] {
	case 'y':
		return now.AddDate(n, 0, 0), true
	case 'm':
		return now.AddDate(0, n, 0), true
	case 'd':
		return now.AddDate(0, 0, n), true
	case 'h':
		return now.Add(time.Duration(n) * time.Hour), true
	}
	return time.Time{}, false
}

func (c *cli) cmdDelegateGrant(args []string) error {
	o := delegateFlags
	now := time.Now()
	if o.ownDevice && !ownDeviceGrant(&o) {
		return c.usage("delegate grant", "cli.delegate.usage.own_device", nil)
	}
	if o.role != delegate.RoleView && o.role != delegate.RoleManage {
		return c.usage("delegate grant", "cli.delegate.usage.role", nil)
	}
	var cats []string
	for _, s := range strings.Split(o.scope, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if _, ok := schema.Lookup(s); !ok {
			return c.usage("delegate grant", "cli.delegate.usage.scope", map[string]any{"Category": s})
		}
		cats = append(cats, s)
	}
	if len(cats) == 0 {
		return c.usage("delegate grant", "cli.delegate.usage.scope", map[string]any{"Category": o.scope})
	}
	until, ok := parseUntil(o.until, now)
	if !ok {
		return c.usage("delegate grant", "cli.delegate.usage.until", nil)
	}
	var wait time.Duration
	if o.wait != "" {
		d, err := time.ParseDuration(o.wait)
		if err != nil || d <= 0 || d > 90*24*time.Hour {
			return c.usage("delegate grant", "cli.delegate.usage.wait", nil)
		}
		wait = d
	}
	ct, _, err := c.readContact(args[0])
	if err != nil {
		return err
	}
	return c.withVault(func(v *vault.Vault) error {
		if err := c.needName(v); err != nil {
			return err
		}
		own, err := delegation.NewContact(v, v.Author().Person, now)
		if err != nil {
			return c.aboutVault(err)
		}
		me, _ := delegate.ParseContact(own)
		if me.Fingerprint() == ct.Fingerprint() {
			return c.problem("cli.delegate.error.self", nil)
		}
		cert, err := delegation.GrantTo(v, delegate.Grant{Owner: delegate.PartyOf(me), Delegate: delegate.PartyOf(ct),
			Role: o.role, Categories: cats, ValidFrom: now, ValidUntil: until, EmergencyWait: wait}, now)
		if err != nil {
			return c.aboutVault(err)
		}
		key := "cli.delegate.granted"
		if o.ownDevice {
			key = "cli.delegate.granted_own_device"
		}
		out := map[string]any{"id": cert.ID, "delegate": ct.Name, "role": cert.Role, "categories": cert.Categories,
			"valid_until": cert.ValidUntil}
		if o.ownDevice {
			out["own_device"] = true
		}
		return c.done(key, map[string]any{"Name": ct.Name, "ID": cert.ID, "Role": c.role(cert.Role),
			"Until": untilDay(cert.ValidUntil), "Digits": delegate.ReadAloud(ct.Fingerprint()), "Owner": me.Name}, out)
	})
}

var roleKeys = map[string]string{delegate.RoleView: "cli.delegate.role.view", delegate.RoleManage: "cli.delegate.role.manage"}

func (c *cli) role(r string) string { return c.cat.T(roleKeys[r], nil) }

// status says in words whether a delegation is open now.
func (c *cli) status(d delegation.Delegation) (string, string) {
	switch {
	case d.Revoked != nil:
		return "revoked", c.cat.T("cli.delegate.status.revoked", map[string]any{"When": d.Revoked.Revoked.Local().Format(time.DateOnly)})
	case d.Open == nil:
		return "active", c.cat.T("cli.delegate.status.active", nil)
	case d.Open == delegate.ErrEmergencyClosed:
		return "emergency_closed", c.cat.T("cli.delegate.status.emergency", nil)
	case d.Open == delegate.ErrNotYetValid:
		return "not_yet_valid", c.cat.T("cli.delegate.status.not_yet", nil)
	}
	return "expired", c.cat.T("cli.delegate.status.expired", nil)
}

type jsonDelegation struct {
	ID         string    `json:"id"`
	Delegate   string    `json:"delegate"`
	ReadAloud  string    `json:"read_aloud"`
	Role       string    `json:"role"`
	Categories []string  `json:"categories"`
	ValidFrom  time.Time `json:"valid_from"`
	ValidUntil time.Time `json:"valid_until"`
	Emergency  int64     `json:"emergency_wait_seconds,omitempty"`
	Status     string    `json:"status"`
	// EmergencyState, for an emergency grant: not_requested, waiting,
	// open, approved or refused.
	EmergencyState string      `json:"emergency_state,omitempty"`
	LastSync       *time.Time  `json:"last_sync"`
	Changes        []jsonEvent `json:"changes"`
}

type jsonEvent struct {
	Time     time.Time `json:"time"`
	Action   string    `json:"action"`
	Subject  string    `json:"subject"`
	Category string    `json:"category,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

func (c *cli) cmdDelegateList([]string) error {
	return c.withVault(func(v *vault.Vault) error {
		now := c.now()
		ds, err := delegation.Delegations(v, now)
		if err != nil {
			return c.aboutVault(err)
		}
		events, err := v.Log()
		if err != nil {
			return c.aboutVault(err)
		}
		out := []jsonDelegation{}
		for _, d := range ds {
			code, _ := c.status(d)
			j := jsonDelegation{ID: d.Cert.ID, Delegate: d.Cert.Delegate.Name, ReadAloud: delegate.ReadAloud(d.Cert.Delegate.Fingerprint()),
				Role: d.Cert.Role, Categories: d.Cert.Categories, ValidFrom: d.Cert.ValidFrom, ValidUntil: d.Cert.ValidUntil,
				Emergency: d.Cert.EmergencyWait, Status: code, Changes: []jsonEvent{}}
			j.EmergencyState, _ = c.emergencyText(d.Emergency(), now)
			if !d.LastSync.IsZero() {
				j.LastSync = &d.LastSync
			}
			for _, e := range events {
				if e.Action == vault.ActionRecordMerged && contains(d.Devices, e.Device) {
					j.Changes = append(j.Changes, jsonEvent{Time: e.Time, Action: string(e.Action), Subject: e.Subject, Category: e.Category, Detail: e.Detail})
				}
			}
			out = append(out, j)
		}
		if c.json {
			return c.printJSON(out)
		}
		if len(ds) == 0 {
			c.println(c.cat.T("cli.delegate.none", nil))
			return nil
		}
		for i, d := range ds {
			j := out[i]
			_, status := c.status(d)
			var scope []string
			for _, cat := range j.Categories {
				scope = append(scope, c.cat.Category(cat))
			}
			last := c.cat.T("cli.delegate.never", nil)
			if j.LastSync != nil {
				last = j.LastSync.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(c.stdout, "%s  %s (%s)\n", j.ID, j.Delegate, j.ReadAloud)
			fmt.Fprintln(c.stdout, "  "+c.cat.T("cli.delegate.line", map[string]any{"Role": c.role(j.Role), "Scope": strings.Join(scope, ", "),
				"From": j.ValidFrom.Local().Format(time.DateOnly), "Until": untilDay(j.ValidUntil), "Status": status, "Last": last}))
			if _, text := c.emergencyText(d.Emergency(), now); text != "" {
				fmt.Fprintln(c.stdout, "  "+text)
			}
			if len(j.Changes) > 0 {
				fmt.Fprintln(c.stdout, "  "+c.cat.N("cli.delegate.changes", len(j.Changes), nil))
				for _, e := range j.Changes {
					fmt.Fprintf(c.stdout, "    %s  %s  %s  %s\n", e.Time.Local().Format("2006-01-02 15:04"), c.cat.Category(e.Category), e.Subject, e.Detail)
				}
			}
		}
		return nil
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *cli) cmdDelegateRevoke(args []string) error {
	return c.withVault(func(v *vault.Vault) error {
		ds, err := delegation.Delegations(v, time.Now())
		if err != nil {
			return c.aboutVault(err)
		}
		d, err := delegation.Find(ds, args[0])
		if err != nil {
			return c.problem("cli.delegate.error.unknown", map[string]any{"ID": args[0]})
		}
		if d.Revoked != nil {
			return c.problem("cli.delegate.error.already_revoked", map[string]any{"ID": d.Cert.ID})
		}
		if err := delegation.Revoke(v, d.Cert, time.Now()); err != nil {
			return c.aboutVault(err)
		}
		return c.done("cli.delegate.revoked", map[string]any{"Name": d.Cert.Delegate.Name, "ID": d.Cert.ID},
			map[string]any{"id": d.Cert.ID, "revoked": true})
	})
}
