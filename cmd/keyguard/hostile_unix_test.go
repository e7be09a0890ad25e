//go:build unix

package main

import (
	"os"
	"syscall"
	"testing"
)

// maxRSSKB is the peak resident memory of a finished process, in KB
// (Linux reports kilobytes; macOS bytes, which only makes the bound
// stricter).
func maxRSSKB(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss)
	}
	return 0
}

// mkfifo makes a FIFO at path.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}
