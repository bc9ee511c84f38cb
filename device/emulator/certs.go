package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

// CertSlots is the number of certificate suites the module's flash holds
// (slots 1..10).
const CertSlots = 10

// CertSlot is one suite of the emulated flash: the CA used to verify peers
// and the module's own server and client certificates.
type CertSlot struct {
	CA     *x509.Certificate
	Pool   *x509.CertPool // holds CA
	Server tls.Certificate
	Client tls.Certificate
}

// certStore is the emulated certificate flash. It is written only by
// newCertStore, so it needs no lock.
type certStore struct {
	slots [CertSlots + 1]*CertSlot // index 0 unused
}

func (c *certStore) slot(i int) (*CertSlot, bool) {
	if i < 1 || i > CertSlots || c.slots[i] == nil {
		return nil, false
	}
	return c.slots[i], true
}

// newCertStore fills slot 1 with a fresh CA and a server and a client
// suite signed by it (ECDSA P-256, SAN 127.0.0.1 and localhost).
func newCertStore(now time.Time) (*certStore, error) {
	s, err := NewCertSlot(now)
	if err != nil {
		return nil, fmt.Errorf("emulator: generate certificate slot 1: %w", err)
	}
	c := &certStore{}
	c.slots[1] = s
	return c, nil
}

// NewCertSlot makes a suite: a fresh ECDSA P-256 CA and a server and a
// client certificate signed by it (SAN 127.0.0.1 and localhost), valid
// from an hour before now for ten years. Tests use it for chains the
// module does not trust.
func NewCertSlot(now time.Time) (*CertSlot, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "atbench emulator CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) (tls.Certificate, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return tls.Certificate{}, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			DNSNames:     []string{"localhost"},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return tls.Certificate{}, err
		}
		parsed, err := x509.ParseCertificate(der)
		if err != nil {
			return tls.Certificate{}, err
		}
		return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key, Leaf: parsed}, nil
	}
	server, err := leaf(2, "atbench emulator server", x509.ExtKeyUsageServerAuth)
	if err != nil {
		return nil, err
	}
	client, err := leaf(3, "atbench emulator client", x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &CertSlot{CA: ca, Pool: pool, Server: server, Client: client}, nil
}

// VerifyChain checks a peer's chain against roots without a host name
// check, for firmwares that set no host name (only the chain counts).
func VerifyChain(roots *x509.CertPool, rawCerts [][]byte, usage x509.ExtKeyUsage) error {
	if len(rawCerts) == 0 {
		return fmt.Errorf("peer sent no certificate")
	}
	certs := make([]*x509.Certificate, len(rawCerts))
	for i, raw := range rawCerts {
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return fmt.Errorf("parse peer certificate: %w", err)
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}})
	return err
}
