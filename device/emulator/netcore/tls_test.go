package netcore

import "crypto/tls"

// tlsClientConfig is a client that trusts anything: the tests here check
// the stack's plumbing, not verification.
func tlsClientConfig() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
}
