//go:build unix

package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// startRSSWatch follows the peak resident memory of the process pid; the
// function it returns, called once the process has been waited for, gives
// it in KB.
//
// ru_maxrss from wait4 alone is wrong on Linux: os/exec starts children
// with vfork, and exec records the parent's high-water mark as the child's,
// so once this test process has held 300 MB every child reports 300 MB (a
// test that built 20 MB messages made the scan tests' 200 MB bound fail
// that way). The child's own VmHWM, polled, has no such floor; ru_maxrss
// is used too only when it is above this process's own high-water mark,
// i.e. when it can only be the child's. (macOS reports ru_maxrss in bytes,
// which only makes a bound stricter.)
func startRSSWatch(pid int) func(*os.ProcessState) int64 {
	if runtime.GOOS != "linux" {
		return func(ps *os.ProcessState) int64 { return rusageMaxRSS(ps) }
	}
	var peak atomic.Int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if kb := vmHWM(fmt.Sprintf("/proc/%d/status", pid)); kb > peak.Load() {
				peak.Store(kb)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func(ps *os.ProcessState) int64 {
		close(done)
		<-stopped
		kb := peak.Load()
		if ru := rusageMaxRSS(ps); ru > vmHWM("/proc/self/status") {
			kb = max(kb, ru)
		}
		return kb
	}
}

// vmHWM reads the VmHWM line (peak RSS, KB) of a /proc status file; 0 when
// it cannot (the process is gone).
func vmHWM(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}

func rusageMaxRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss)
	}
	return 0
}
