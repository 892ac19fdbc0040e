package intake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The desk's own TLS certificate, for a municipality that gives none
// (kluis-intake serve without --tls-cert): made once and kept sealed in
// the store,
//
//	meta/tls  sealed {"cert": DER, "key": PKCS #8 DER}
//
// so its fingerprint stays the same across restarts and browsers that
// were told to trust it keep doing so.
var keyTLS = []byte("tls")

// Lifetime and renewal of the desk's certificate.
const (
	certLifetime = 2 * 365 * 24 * time.Hour
	// certRenewBefore: a certificate that ends sooner than this is made
	// anew at the next start, so a desk that runs for weeks is not cut off
	// by its own certificate.
	certRenewBefore = 30 * 24 * time.Hour
)

// defaultCertHosts are in every certificate the store makes.
var defaultCertHosts = []string{"localhost", "127.0.0.1", "::1"}

type storedCert struct {
	Cert []byte `json:"cert"`
	Key  []byte `json:"key"`
}

// ServerCertificate returns the desk's self-signed certificate (ECDSA
// P-256, valid about two years) for hosts — names and IP addresses, as in
// the address the desk serves on — and localhost, 127.0.0.1 and ::1, with
// the SHA-256 fingerprint of the certificate as browsers show it (64 hex
// digits in pairs joined by ':', upper case). The first call makes it and
// keeps it sealed in the store; later calls return the same one, unless
// it has ended or ends within 30 days, or a host asked for is not in it:
// then a new one is made and kept. Empty hosts and the unspecified
// addresses (0.0.0.0, ::) are left out; they name no host.
func (s *Store) ServerCertificate(hosts []string) (tls.Certificate, string, error) {
	names, ips := certHosts(hosts)
	var kept *storedCert
	err := s.view(func(tx *bolt.Tx) error {
		b, err := s.get(tx, bucketMeta, keyTLS)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		kept = new(storedCert)
		if json.Unmarshal(b, kept) != nil {
			return fmt.Errorf("%w: the desk's certificate does not decode", ErrDamaged)
		}
		return nil
	})
	if err != nil {
		return tls.Certificate{}, "", err
	}
	var keep *ecdsa.PrivateKey
	if kept != nil {
		if c, fp, ok := s.usableCert(kept, names, ips); ok {
			return c, fp, nil
		}
		// A renewed certificate keeps the key, so the pin on the card
		// (its SubjectPublicKeyInfo's hash) stays true.
		if k, err := x509.ParsePKCS8PrivateKey(kept.Key); err == nil {
			keep, _ = k.(*ecdsa.PrivateKey)
		}
	}
	made, err := s.makeCert(names, ips, keep)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	val, err := json.Marshal(made)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	if err := s.update(func(tx *bolt.Tx) error { return s.put(tx, bucketMeta, keyTLS, val) }); err != nil {
		return tls.Certificate{}, "", err
	}
	c, fp, ok := s.usableCert(made, names, ips)
	if !ok {
		return tls.Certificate{}, "", errors.New("intake: the certificate just made does not serve its hosts")
	}
	return c, fp, nil
}

// usableCert returns sc as a tls.Certificate when it parses, is valid now
// and for another certRenewBefore, and covers every name and IP.
func (s *Store) usableCert(sc *storedCert, names []string, ips []net.IP) (tls.Certificate, string, bool) {
	x, err := x509.ParseCertificate(sc.Cert)
	if err != nil {
		return tls.Certificate{}, "", false
	}
	key, err := x509.ParsePKCS8PrivateKey(sc.Key)
	if err != nil {
		return tls.Certificate{}, "", false
	}
	now := s.now()
	if now.Before(x.NotBefore) || !now.Add(certRenewBefore).Before(x.NotAfter) {
		return tls.Certificate{}, "", false
	}
	for _, n := range names {
		if !slices.Contains(x.DNSNames, n) {
			return tls.Certificate{}, "", false
		}
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(x.IPAddresses, ip.Equal) {
			return tls.Certificate{}, "", false
		}
	}
	c := tls.Certificate{Certificate: [][]byte{sc.Cert}, PrivateKey: key, Leaf: x}
	return c, certFingerprint(sc.Cert), true
}

// makeCert makes a new self-signed certificate for names and ips, with
// key, or a new key when key is nil.
func (s *Store) makeCert(names []string, ips []net.IP, key *ecdsa.PrivateKey) (*storedCert, error) {
	if key == nil {
		var err error
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, err
		}
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	org := s.org.Card().Org
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: names[0], Organization: []string{org}, OrganizationalUnit: []string{"Kluis"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              names,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &storedCert{Cert: der, Key: pk}, nil
}

// certHosts sorts hosts and the defaults into DNS names (lower case,
// without a final dot) and IP addresses ("[::1]" as ::1), each once.
func certHosts(hosts []string) ([]string, []net.IP) {
	var names []string
	var ips []net.IP
	for _, h := range append(slices.Clone(hosts), defaultCertHosts...) {
		h = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(h), "["), "]")
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsUnspecified() && !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
			continue
		}
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if h != "" && !slices.Contains(names, h) {
			names = append(names, h)
		}
	}
	return names, ips
}

// certFingerprint is the SHA-256 of a certificate's DER bytes as browsers
// show it: "AB:CD:…".
func certFingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
