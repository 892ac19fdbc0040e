package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"kluis/intake"
	"kluis/intake/desk"
)

// serveFlags are the flags of the serve verb.
type serveFlags struct {
	addr, certFile, keyFile string
	maxUpload               int64
	accessNames             bool
}

func (c *cli) serveFlagSet(fs *flag.FlagSet) {
	fs.StringVar(&c.serve.addr, "addr", "127.0.0.1:8443", "intake.flag.serve.addr")
	fs.StringVar(&c.serve.certFile, "tls-cert", "", "intake.flag.serve.tls_cert")
	fs.StringVar(&c.serve.keyFile, "tls-key", "", "intake.flag.serve.tls_key")
	fs.Int64Var(&c.serve.maxUpload, "max-upload", desk.DefaultMaxUpload, "intake.flag.serve.max_upload")
	fs.BoolVar(&c.serve.accessNames, "access-names", false, "intake.flag.serve.access_names")
}

// purgeEvery is how often the desk purges what is due.
const purgeEvery = time.Hour

// shutdownGrace is how long requests still running may take to finish
// after SIGTERM; it is shorter than main's stopGrace.
const shutdownGrace = 2 * time.Second

// cmdServe runs the caseworker's desk over HTTPS until SIGTERM or SIGINT.
// Its first line on standard output is the URL it serves; the second the
// certificate's SHA-256 fingerprint, for the caseworkers' browsers.
func (c *cli) cmdServe([]string) error {
	sf := c.serve
	if (sf.certFile == "") != (sf.keyFile == "") {
		return c.usage("intake.serve.usage.tls_pair", nil)
	}
	host, port, err := net.SplitHostPort(sf.addr)
	if err != nil {
		return c.usage("intake.serve.usage.addr", map[string]any{"Addr": sf.addr})
	}
	return c.withStore(func(s *intake.Store) error {
		// The key's KDF took hundreds of MiB; hand them back before
		// serving for days.
		runtime.GC()
		debug.FreeOSMemory()
		cert, fp, err := c.serverCertificate(s, host)
		if err != nil {
			return err
		}
		logger := slog.New(slog.NewTextHandler(c.stderr, nil))
		srv, err := desk.New(s, c.orgID, desk.Options{MaxUpload: sf.maxUpload, Logger: logger, AccessNames: sf.accessNames})
		if err != nil {
			return c.about(err, "intake.what.store", map[string]any{"Path": c.store})
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
		if err != nil {
			return c.about(err, "intake.serve.what.addr", map[string]any{"Addr": sf.addr})
		}
		fmt.Fprintln(c.stdout, serveURL(host, ln.Addr()))
		fmt.Fprintln(c.stdout, c.cat.T("intake.serve.fingerprint", map[string]any{"Fingerprint": fp}))
		const recvWindow = 256 << 10
		hs := &http.Server{
			Handler:           srv,
			TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}},
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			// A delivery waiting for an import slot is not read, but HTTP/2
			// lets its client send a whole flow-control window ahead, which
			// the server buffers: 1 MiB by default, 200 MiB for 200 citizens
			// delivering at once. A quarter of that still fills loopback
			// and a municipality's network (docs/PERFORMANCE.md).
			HTTP2:    &http.HTTP2Config{MaxReceiveBufferPerConnection: recvWindow, MaxReceiveBufferPerStream: recvWindow},
			ErrorLog: log.New(c.stderr, "kluis-intake serve: ", 0),
		}
		ctx, cancel := context.WithCancel(c.ctx)
		defer cancel()
		go srv.RunPurge(ctx, purgeEvery)
		done := make(chan error, 1)
		go func() { done <- hs.ServeTLS(ln, "", "") }()
		select {
		case err := <-done:
			return c.about(err, "intake.serve.what.addr", map[string]any{"Addr": sf.addr})
		case <-c.ctx.Done():
		}
		sctx, scancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer scancel()
		if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		fmt.Fprintln(c.stderr, c.cat.T("intake.serve.stopped", nil))
		return nil
	})
}

// serverCertificate is the certificate the desk serves: the one given
// with --tls-cert and --tls-key, else the one the store keeps (made once).
func (c *cli) serverCertificate(s *intake.Store, host string) (tls.Certificate, string, error) {
	sf := c.serve
	if sf.certFile != "" {
		cert, err := tls.LoadX509KeyPair(sf.certFile, sf.keyFile)
		if err != nil {
			return tls.Certificate{}, "", c.about(err, "intake.serve.what.tls", map[string]any{"Cert": sf.certFile, "Key": sf.keyFile})
		}
		sum := sha256.Sum256(cert.Certificate[0])
		return cert, colonHex(sum[:]), nil
	}
	hosts := []string{}
	if host != "" && host != "0.0.0.0" && host != "::" {
		hosts = append(hosts, host)
	} else if name, err := os.Hostname(); err == nil {
		hosts = append(hosts, name)
	}
	cert, fp, err := s.ServerCertificate(hosts)
	if err != nil {
		return tls.Certificate{}, "", c.about(err, "intake.what.store", map[string]any{"Path": c.store})
	}
	return cert, fp, nil
}

// serveURL is the address caseworkers open: the host asked for, or this
// machine's name when serving on every interface.
func serveURL(host string, addr net.Addr) string {
	_, port, _ := net.SplitHostPort(addr.String())
	if host == "" || host == "0.0.0.0" || host == "::" {
		if name, err := os.Hostname(); err == nil {
			host = name
		}
	}
	return "https://" + net.JoinHostPort(host, port) + "/"
}

func colonHex(b []byte) string {
	var sb strings.Builder
	for i, x := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02X", x)
	}
	return sb.String()
}
