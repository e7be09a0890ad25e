//go:build unix

package fifotest

import (
	"syscall"
	"testing"
)

// Make makes a FIFO at path: whoever opens it to read blocks until a
// writer comes, which in keyguard's tests is never.
func Make(t testing.TB, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}
