package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// keyguardBin is the binary built once for the tests that run keyguard as a
// process, as a user or CI would.
var keyguardBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "keyguard-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	keyguardBin = filepath.Join(dir, "keyguard")
	if out, err := exec.Command("go", "build", "-o", keyguardBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building keyguard: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runKeyguard runs the built binary in dir and returns stdout, stderr and
// the exit code.
func runKeyguard(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(keyguardBin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running keyguard: %v", err)
	}
	return stdout.String(), stderr.String(), code
}

func TestVersionAndUsage(t *testing.T) {
	out, _, code := runKeyguard(t, t.TempDir(), "version")
	if code != 0 || !bytes.HasPrefix([]byte(out), []byte("keyguard ")) {
		t.Errorf("version: %q exit %d", out, code)
	}
	if _, errOut, code := runKeyguard(t, t.TempDir(), "frobnicate"); code != 2 || !bytes.Contains([]byte(errOut), []byte("unknown command")) {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	if _, _, code := runKeyguard(t, t.TempDir()); code != 2 {
		t.Errorf("no command: exit %d", code)
	}
}
