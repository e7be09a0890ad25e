//go:build !unix

package main

import (
	"os"
	"testing"
)

// maxRSSKB is not measured off unix.
func maxRSSKB(*os.ProcessState) int64 { return 0 }

// mkfifo: there are no FIFOs to plant on this platform.
func mkfifo(t *testing.T, _ string) {
	t.Helper()
	t.Skip("FIFOs are a unix thing")
}
