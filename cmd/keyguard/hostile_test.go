package main

// What the hostile-repository tests (scan_attack, scan_hostile,
// check_security*, lsp_hostile_linux) share: planting what a cloned
// stranger's repository can hold (FIFOs, links to devices, crafted git
// config, objects replaced under git's feet), and running the real binary
// under a time limit — and, where asked, an address-space limit — so that a
// regression fails the test instead of hanging the run or eating the
// machine.

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/diagnostics/safefile/fifotest"
)

// plantFIFO puts a FIFO at path, creating its directory and replacing
// whatever was there: whoever opens it to read blocks until a writer comes,
// which in these tests is never.
func plantFIFO(t *testing.T, path string) {
	t.Helper()
	clearForPlant(t, path)
	fifotest.Make(t, path)
}

// plantLink puts a symbolic link to target at path, creating its directory
// and replacing whatever was there.
func plantLink(t *testing.T, path, target string) {
	t.Helper()
	clearForPlant(t, path)
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

func clearForPlant(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// committedRepo makes root a git repository whose one commit holds files
// (and whatever root held already).
func committedRepo(t *testing.T, root string, files map[string]string) {
	t.Helper()
	writeFiles(t, root, files)
	git(t, root, "init", "-q")
	git(t, root, "add", ".")
	git(t, root, "commit", "-qm", "init")
}

// looseObject is the path of the loose object that rev (`HEAD:app.py`,
// `:app.py` for the staged one) names in dir's repository: a test removes
// it, or puts a FIFO in its place.
func looseObject(t *testing.T, dir, rev string) string {
	t.Helper()
	id := git(t, dir, "rev-parse", rev)
	return filepath.Join(dir, ".git", "objects", id[:2], id[2:])
}

// appendGitConfig adds raw lines to dir's .git/config.
func appendGitConfig(t *testing.T, dir, text string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// manyKeysFile is a file of n distinct OpenAI-shaped keys, one assignment
// a line, and the keys: the blob of the findings-amplification tests.
func manyKeysFile(t *testing.T, r *rand.Rand, n int) (string, []string) {
	t.Helper()
	var file strings.Builder
	var keys []string
	for i := range n {
		k := exposureKey(t, r, "openai")
		keys = append(keys, k)
		fmt.Fprintf(&file, "k%d = \"%s\"\n", i, k)
	}
	return file.String(), keys
}

// procRun is one run of the binary.
type procRun struct {
	stdout, stderr string
	code           int
	elapsed        time.Duration
	maxRSSKB       int64 // peak resident memory (0 where not measured)
}

// boundedRun says how runKeyguardBounded runs the binary.
type boundedRun struct {
	dir   string
	env   []string      // added to this process's environment
	stdin *os.File      // nil: /dev/null
	limit time.Duration // a run still going then is killed and fails the test
	// asKB > 0 caps the address space of the process and its children (git
	// inherits it) with `ulimit -v`, so a test of unbounded growth fails
	// fast instead of eating the machine.
	asKB int
}

// runKeyguardBounded runs the binary with args as b says. A run that hits
// the time limit fails the test, with what it wrote so far.
func runKeyguardBounded(t *testing.T, b boundedRun, args ...string) procRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), b.limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, keyguardBin, args...)
	if b.asKB > 0 {
		cmd = exec.CommandContext(ctx, "sh", append([]string{"-c", fmt.Sprintf(`ulimit -v %d && exec "$0" "$@"`, b.asKB), keyguardBin}, args...)...)
	}
	cmd.Dir = b.dir
	cmd.Env = append(os.Environ(), b.env...)
	if b.stdin != nil {
		cmd.Stdin = b.stdin
	}
	// Killing the binary also closes its pipes at once: a child it left
	// behind never keeps Wait waiting.
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Start()
	if err != nil {
		t.Fatalf("starting keyguard: %v", err)
	}
	rss := startRSSWatch(cmd.Process.Pid)
	err = cmd.Wait()
	r := procRun{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	r.maxRSSKB = rss(cmd.ProcessState)
	if ctx.Err() != nil {
		t.Fatalf("keyguard %v in %s still running after %v (hangs; killed)\nstdout %s\nstderr %s", args, b.dir, b.limit, r.stdout, r.stderr)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running keyguard: %v", err)
	}
	return r
}

// runBounded runs the binary in dir with a time limit and returns stdout,
// stderr, the exit code and the peak resident memory in KB.
func runBounded(t *testing.T, dir string, limit time.Duration, env []string, args ...string) (string, string, int, int64) {
	t.Helper()
	return runBoundedAS(t, dir, limit, 0, env, args...)
}

// runBoundedAS is runBounded with the address space capped at asKB.
func runBoundedAS(t *testing.T, dir string, limit time.Duration, asKB int, env []string, args ...string) (string, string, int, int64) {
	t.Helper()
	r := runKeyguardBounded(t, boundedRun{dir: dir, env: env, limit: limit, asKB: asKB}, args...)
	return r.stdout, r.stderr, r.code, r.maxRSSKB
}

// runKeyguardEnv runs the binary in dir with extra environment and a time
// limit.
func runKeyguardEnv(t *testing.T, dir string, env []string, limit time.Duration, args ...string) procRun {
	t.Helper()
	return runKeyguardBounded(t, boundedRun{dir: dir, env: env, limit: limit}, args...)
}
