package googletest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Host is the host name the emulator stands for, and Origin its web origin:
// the origin a browser's WebAuthn assertions carry, and the relying party ID
// is Host.
const (
	Host   = "accounts.google.com"
	Origin = "https://" + Host
)

// certs are a throwaway CA, made for one server and kept in memory, and the
// certificate it issued to the server for Host and 127.0.0.1.
type certs struct {
	caPEM []byte
	leaf  tls.Certificate
}

func newCerts() (*certs, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		Subject:   pkix.Name{Organization: []string{"awsfed googletest"}, CommonName: "googletest throwaway CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(crand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		return nil, err
	}
	// Chromium refuses server certificates valid for more than 398 days
	// and ones without the name in a SAN.
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: Host},
		DNSNames:    []string{Host},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &certs{
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		leaf:  tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key, Leaf: leaf},
	}, nil
}

// transport trusts only the throwaway CA and sends connections for Host
// (port 443) to addr, as Chromium does with HostResolverRule.
func (c *certs) transport(addr string) *http.Transport {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.caPEM)
	var d net.Dialer
	return &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			if a == net.JoinHostPort(Host, "443") {
				a = addr
			}
			return d.DialContext(ctx, network, a)
		},
	}
}

// CAPEM returns the PEM certificate of the CA that issued the server's
// certificate (for accounts.google.com and 127.0.0.1). The CA is made for
// this server and lives only in memory.
func (s *Server) CAPEM() []byte { return append([]byte(nil), s.certs.caPEM...) }

// SPKIHash returns the base64 SHA-256 of the server certificate's
// SubjectPublicKeyInfo, as Chromium's --ignore-certificate-errors-spki-list
// takes it.
func (s *Server) SPKIHash() string {
	sum := sha256.Sum256(s.certs.leaf.Leaf.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// HostResolverRule returns the rule for Chromium's --host-resolver-rules
// that sends accounts.google.com to the server: "MAP accounts.google.com
// 127.0.0.1:PORT".
func (s *Server) HostResolverRule() string {
	return fmt.Sprintf("MAP %s %s", Host, s.Listener.Addr())
}

// BrowserStartURL is InitSSOURL under Google's own name,
// https://accounts.google.com/o/saml2/initsso?idpid=…&spid=…&forceauthn=false,
// for a browser given HostResolverRule (or a client from Client).
func (s *Server) BrowserStartURL(idpID, spID string) string {
	return Origin + "/o/saml2/initsso?" + initSSOQuery(idpID, spID)
}

// initSSOQuery is the start URL's query in the admin console's order.
func initSSOQuery(idpID, spID string) string {
	return "idpid=" + url.QueryEscape(idpID) + "&spid=" + url.QueryEscape(spID) + "&forceauthn=false"
}

// origin is the origin r was addressed to: Origin, or the server's URL.
func (s *Server) origin(r *http.Request) string {
	if r.Host == Host {
		return Origin
	}
	return s.URL
}
