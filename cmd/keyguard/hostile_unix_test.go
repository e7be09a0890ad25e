//go:build unix

package main

import (
	"os"
	"syscall"
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
