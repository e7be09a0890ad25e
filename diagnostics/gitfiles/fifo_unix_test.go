//go:build unix

package gitfiles

import (
	"syscall"
	"testing"
)

// mkfifo makes a FIFO at path (tests of what reading one must not do).
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}
