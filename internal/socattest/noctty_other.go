//go:build !unix

package socattest

// noCTTY is meaningless where there are no ptys; socat is not there
// either, so Start skips the test.
const noCTTY = 0
