//go:build !unix

package main

import (
	"os"
	"testing"
)

// startRSSWatch: memory is not measured off unix.
func startRSSWatch(int) func(*os.ProcessState) int64 {
	return func(*os.ProcessState) int64 { return 0 }
}

// mkfifo: there are no FIFOs to plant on this platform.
func mkfifo(t *testing.T, _ string) {
	t.Helper()
	t.Skip("FIFOs are a unix thing")
}
