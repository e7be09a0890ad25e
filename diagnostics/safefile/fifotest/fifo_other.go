//go:build !unix

package fifotest

import "testing"

// Make skips the test: there are no FIFOs to plant on this platform.
func Make(t testing.TB, _ string) {
	t.Helper()
	t.Skip("FIFOs are a unix thing")
}
