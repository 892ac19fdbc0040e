package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"kluis/citizen/delegation"

	"kluis/citizen/share"
	"kluis/internal/cmdline"
	"kluis/sync/delegate"
	"kluis/vault"
)

func syncFlags(c *cli, f *cmdline.FlagSet) {
	delegateFlags = delegateOptions{}
	f.Str(&delegateFlags.dir, "dir", "DIR", "cli.sync.flag.dir")
}

// ownVault runs fn on the person's own vault, also under --managed: sync
// and the managed verbs work with the delegate's own keys.
func (c *cli) ownVault(fn func(v *vault.Vault) error) error {
	saved := c.managed
	c.managed = ""
	defer func() { c.managed = saved }()
	return c.withVault(fn)
}

func (c *cli) cmdSync([]string) error {
	dir := delegateFlags.dir
	if dir == "" {
		return c.usage("sync", "cli.sync.usage.dir", nil)
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return c.problem("cli.sync.error.not_dir", map[string]any{"Path": dir})
	} else if err != nil {
		return c.problem("cli.sync.error.dir", map[string]any{"Path": dir})
	}
	only := c.managed
	return c.ownVault(func(v *vault.Vault) error {
		s := &delegation.Syncer{Vault: v, Now: c.now}
		if only != "" {
			m, err := delegation.FindManaged(v, only)
			if err != nil {
				return c.problem("cli.managed.error.unknown", map[string]any{"ID": only})
			}
			s.Only = m.ID()
		}
		res, err := s.Sync(dir)
		if err != nil {
			return c.about(err, "cli.sync.what", map[string]any{"Path": dir})
		}
		if c.json {
			return c.printJSON(syncJSON(res))
		}
		c.printSync(res)
		return nil
	})
}

func (c *cli) printSync(res *delegation.Result) {
	t := c.cat.T
	for _, r := range res.Received {
		if r.Replayed {
			c.println(t("cli.sync.replayed", map[string]any{"From": r.From, "File": r.File}))
			continue
		}
		var by []string
		for _, a := range r.Authors {
			if !contains(by, c.person(a.Person)) {
				by = append(by, c.person(a.Person))
			}
		}
		key := "cli.sync.received"
		if r.Managed {
			key = "cli.sync.received_managed"
		}
		line := t(key, map[string]any{"From": r.From, "Added": len(r.Added), "Updated": len(r.Updated)})
		if len(by) > 0 {
			line += " " + t("cli.sync.by", map[string]any{"By": strings.Join(by, ", ")})
		}
		if len(r.Conflicts) > 0 {
			line += " " + t("cli.sync.conflicts", map[string]any{"Count": len(r.Conflicts)})
		}
		c.println(line)
		if len(r.Shares) > 0 {
			c.println("  " + c.cat.N("cli.sync.shares", len(r.Shares), map[string]any{"From": r.From}))
		}
		for _, cf := range r.Conflicts {
			c.println("  " + t("cli.sync.conflict", map[string]any{"Category": c.cat.Category(cf.Category), "Field": c.cat.Field(cf.Category, cf.Field),
				"ID": cf.Record, "KeptBy": c.person(cf.KeptBy.Person), "LostBy": c.person(cf.LostBy.Person)}))
		}
	}
	for _, r := range res.Refused {
		data := map[string]any{"From": r.From, "File": r.File, "Reason": c.syncReason(r.Code)}
		if len(r.Records) > 0 {
			c.println(c.cat.N("cli.sync.refused_records", len(r.Records), data))
		} else {
			c.println(t("cli.sync.refused", data))
		}
	}
	for _, r := range res.Reported {
		// A revocation is the owner's own choice; every other refusal is
		// the rule of the grants, checked by her Kluis.
		data := map[string]any{"From": r.From, "Seq": r.Report.Seq, "Reason": c.syncReason(r.Report.Code)}
		n := len(r.Report.Records)
		switch {
		case r.Report.Code == delegate.CodeRevoked && n > 0:
			c.println(c.cat.N("cli.sync.reported_records", n, data))
		case r.Report.Code == delegate.CodeRevoked:
			c.println(t("cli.sync.reported", data))
		case n > 0:
			c.println(c.cat.N("cli.sync.reported_records_rule", n, data))
		default:
			c.println(t("cli.sync.reported_rule", data))
		}
	}
	for _, b := range res.RolledBack {
		c.println(c.cat.N("cli.sync.rolled_back", len(b.Records), map[string]any{"From": b.From}))
	}
	for _, w := range res.Written {
		c.println(c.cat.N("cli.sync.written", w.Records, map[string]any{"To": w.To, "File": w.File}))
	}
	if len(res.Received)+len(res.Refused)+len(res.Written)+len(res.Reported)+len(res.RolledBack) == 0 {
		c.println(t("cli.sync.nothing", nil))
	}
}

func (c *cli) syncReason(code delegate.Code) string { return c.cat.T("error.sync."+string(code), nil) }

type jsonSync struct {
	Received []map[string]any `json:"received"`
	Refused  []map[string]any `json:"refused"`
	Reported []map[string]any `json:"reported"`
	Written  []map[string]any `json:"written"`
	// RolledBack: records of the owner's vault set back here because she
	// refused them.
	RolledBack []map[string]any `json:"rolled_back"`
	Ignored    int              `json:"ignored"`
}

func syncJSON(res *delegation.Result) jsonSync {
	out := jsonSync{Received: []map[string]any{}, Refused: []map[string]any{}, Reported: []map[string]any{}, Written: []map[string]any{},
		RolledBack: []map[string]any{}, Ignored: res.Ignored}
	for _, b := range res.RolledBack {
		out.RolledBack = append(out.RolledBack, map[string]any{"from": b.From, "code": b.Code, "records": nonNil(b.Records)})
	}
	for _, r := range res.Received {
		var by []string
		for _, a := range r.Authors {
			if !contains(by, a.Person) {
				by = append(by, a.Person)
			}
		}
		out.Received = append(out.Received, map[string]any{"file": r.File, "from": r.From, "managed": r.Managed, "replayed": r.Replayed,
			"added": nonNil(r.Added), "updated": nonNil(r.Updated), "conflicts": len(r.Conflicts), "by": nonNil(by),
			"shares": nonNil(r.Shares)})
	}
	for _, r := range res.Refused {
		out.Refused = append(out.Refused, map[string]any{"file": r.File, "from": r.From, "code": r.Code, "records": nonNil(r.Records)})
	}
	for _, r := range res.Reported {
		out.Reported = append(out.Reported, map[string]any{"from": r.From, "seq": r.Report.Seq, "code": r.Report.Code, "records": nonNil(r.Report.Records)})
	}
	for _, w := range res.Written {
		out.Written = append(out.Written, map[string]any{"file": w.File, "to": w.To, "records": w.Records})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// cmdManagedList shows the vaults this person helps with, each with its
// grants (an owner may give several, each with its own role and scope).
func (c *cli) cmdManagedList([]string) error {
	return c.ownVault(func(v *vault.Vault) error {
		ms, err := delegation.ManagedVaults(v)
		if err != nil {
			return c.aboutVault(err)
		}
		type jg struct {
			ID         string    `json:"id"`
			Role       string    `json:"role"`
			Categories []string  `json:"categories"`
			ValidUntil time.Time `json:"valid_until"`
			Revoked    bool      `json:"revoked"`
			Emergency  string    `json:"emergency_state,omitempty"`
			text       string
		}
		type jm struct {
			ID         string     `json:"id"`
			Owner      string     `json:"owner"`
			Role       string     `json:"role"`       // manage when some open grant lets them change something
			Categories []string   `json:"categories"` // what they receive now, of every open grant
			Manage     []string   `json:"manage"`     // what they may change now
			ValidUntil time.Time  `json:"valid_until"`
			Revoked    bool       `json:"revoked"` // every grant is revoked
			LastSync   *time.Time `json:"last_sync"`
			Grants     []jg       `json:"grants"`
			Emergency  string     `json:"emergency_state,omitempty"`
		}
		now := c.now()
		out := []jm{}
		for id, m := range ms {
			certs := m.Certs()
			if len(certs) == 0 {
				continue
			}
			acc, err := m.Access(v, now)
			if err != nil {
				return c.aboutVault(err)
			}
			j := jm{ID: id[:16], Owner: m.Owner.Name, Role: delegate.RoleView, Categories: nonNil(acc.View), Manage: nonNil(acc.Manage),
				Revoked: m.Revocation != "", Grants: []jg{}}
			if len(acc.Manage) > 0 {
				j.Role = delegate.RoleManage
			}
			em, err := delegation.ManagedEmergency(v, m)
			if err != nil {
				return c.aboutVault(err)
			}
			for i := len(certs) - 1; i >= 0; i-- { // newest first
				cert := certs[i]
				g := jg{ID: cert.ID, Role: cert.Role, Categories: cert.Categories, ValidUntil: cert.ValidUntil, Revoked: m.IsRevoked(cert)}
				if cert.EmergencyWait > 0 && !g.Revoked {
					g.Emergency, g.text = c.emergencyText(em, now)
					j.Emergency = g.Emergency
				}
				if cert.ValidUntil.After(j.ValidUntil) && !g.Revoked {
					j.ValidUntil = cert.ValidUntil
				}
				j.Grants = append(j.Grants, g)
			}
			if !m.LastSync.IsZero() {
				last := m.LastSync
				j.LastSync = &last
			}
			out = append(out, j)
		}
		if c.json {
			return c.printJSON(out)
		}
		if len(out) == 0 {
			c.println(c.cat.T("cli.managed.none", nil))
			return nil
		}
		for _, j := range out {
			fmt.Fprintf(c.stdout, "%s  %s\n", j.ID, j.Owner)
			for _, g := range j.Grants {
				var scope []string
				for _, cat := range g.Categories {
					scope = append(scope, c.cat.Category(cat))
				}
				status := c.cat.T("cli.delegate.status.active", nil)
				if g.Revoked {
					status = c.cat.T("cli.managed.revoked", nil)
				} else if now.After(g.ValidUntil) {
					status = c.cat.T("cli.delegate.status.expired", nil)
				}
				fmt.Fprintf(c.stdout, "  %s\n", c.cat.T("cli.managed.line", map[string]any{"Role": c.role(g.Role),
					"Scope": strings.Join(scope, ", "), "Until": untilDay(g.ValidUntil), "Status": status}))
				if g.text != "" {
					fmt.Fprintln(c.stdout, "    "+g.text)
				}
			}
		}
		return nil
	})
}

// openManaged swaps the unlocked own vault for the replica named by
// --managed: the verbs then act on the vault this person helps with, as
// themselves.
func (c *cli) openManaged(own *vault.Vault) (*vault.Vault, error) {
	defer own.Close()
	m, err := delegation.FindManaged(own, c.managed)
	if err != nil {
		return nil, c.problem("cli.managed.error.unknown", map[string]any{"ID": c.managed})
	}
	if m.Revocation != "" {
		return nil, c.problem("cli.managed.error.revoked", map[string]any{"Name": m.Owner.Name})
	}
	rv, err := delegation.OpenReplica(own, m)
	if err != nil {
		return nil, c.about(err, "cli.managed.what", map[string]any{"Name": m.Owner.Name})
	}
	if err := c.guardReplica(own, rv, m); err != nil {
		rv.Close()
		return nil, err
	}
	return rv, nil
}

// guardReplica has the replica refuse a change the owner's open grants do
// not allow; the refusal is said in the person's language like every
// coded error.
func (c *cli) guardReplica(own, rv *vault.Vault, m *delegation.Managed) error {
	guard, err := delegation.EditGuard(own, m, c.now())
	if err != nil {
		return c.aboutVault(err)
	}
	// A refusal is an *delegation.EditRefusedError, which says itself
	// what the owner allows (error.delegation.*).
	rv.SetEditGuard(guard)
	return nil
}

// withShareVault runs fn on the vault a share is made from. Under
// --managed that is the replica, and the share is made on the owner's
// behalf: fn gets the delegate's own signer and keys with the owner's
// certificate, and the end of that certificate. The delegate's own vault
// stays open (to sign) until fn returns.
func (c *cli) withShareVault(fn func(v *vault.Vault, behalf *share.Behalf, until time.Time) error) error {
	if c.managed == "" {
		return c.withVault(func(v *vault.Vault) error {
			if err := c.needName(v); err != nil {
				return err
			}
			return fn(v, nil, time.Time{})
		})
	}
	only := c.managed
	return c.ownVault(func(own *vault.Vault) error {
		if err := c.needName(own); err != nil {
			return err
		}
		m, err := delegation.FindManaged(own, only)
		if err != nil {
			return c.problem("cli.managed.error.unknown", map[string]any{"ID": only})
		}
		if m.Revocation != "" {
			return c.problem("cli.managed.error.revoked", map[string]any{"Name": m.Owner.Name})
		}
		if len(m.Certs()) == 0 {
			return c.problem("cli.managed.error.unknown", map[string]any{"ID": only})
		}
		// The share carries one certificate: the newest open manage grant.
		var cats []string
		for _, cat := range strings.Split(shareFlags.scope, ",") {
			if cat = strings.TrimSpace(cat); cat != "" {
				cats = append(cats, cat)
			}
		}
		cert, signed := delegation.BehalfGrant(own, m, c.now(), cats)
		if cert == nil {
			return c.problem("cli.share.behalf.view_only", map[string]any{"Name": m.Owner.Name})
		}
		keys, err := own.PublicKeys()
		if err != nil {
			return c.aboutVault(err)
		}
		rv, err := delegation.OpenReplica(own, m)
		if err != nil {
			return c.about(err, "cli.managed.what", map[string]any{"Name": m.Owner.Name})
		}
		// A share on her behalf holds only what her vault accepted.
		pending, err := delegation.PendingChanges(own, m, rv)
		if err != nil {
			rv.Close()
			return c.aboutVault(err)
		}
		if len(pending) > 0 {
			rv.Close()
			return c.problem("cli.share.behalf.pending", map[string]any{"Name": m.Owner.Name, "Count": len(pending)})
		}
		behalf := &share.Behalf{Signer: own, Issuer: share.Issuer(own.Author().Person, keys), Certificate: signed}
		err = fn(rv, behalf, cert.ValidUntil)
		if cerr := rv.Close(); err == nil {
			err = c.about(cerr, "cli.managed.what", map[string]any{"Name": m.Owner.Name})
		}
		return err
	})
}
