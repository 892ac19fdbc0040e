package share

import (
	"encoding/base64"
	"time"

	"kluis/sync/bundle"
	"kluis/sync/schema"
	"kluis/vault"
)

// The adapters from what the vault keeps to what a bundle carries.

// sharedRecord turns a vault record into a shared record, leaving out
// empty fields and the fields scope excludes. Known fields take their JSON
// value form (money as a number of cents, …).
func sharedRecord(r vault.Record, scope *bundle.Scope) bundle.Record {
	out := bundle.Record{ID: r.ID, Category: r.Category, Version: r.Version, Fields: map[string]any{}}
	if r.Modified != 0 {
		out.Modified = r.Modified.Time().UTC().Truncate(time.Second)
	}
	cat, ok := schema.Lookup(r.Category)
	for k, v := range r.Fields {
		if v == "" || scope.Excludes(r.Category, k) {
			continue
		}
		if ok {
			if f, known := cat.Field(k); known {
				out.Fields[k] = f.JSONValue(v)
				continue
			}
		}
		out.Fields[k] = v
	}
	return out
}

// Issuer names the vault's owner as the issuer of a bundle, with the
// vault's public keys.
func Issuer(name string, k vault.PublicKeys) bundle.Issuer {
	return bundle.Issuer{Name: name, X25519: k.X25519, Ed25519: base64.StdEncoding.EncodeToString(k.Ed25519)}
}
