//go:build !unix

package safefile

import "testing"

// mkfifo: there are no FIFOs to plant on this platform.
func mkfifo(t *testing.T, _ string) {
	t.Helper()
	t.Skip("FIFOs are a unix thing")
}
