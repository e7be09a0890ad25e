//go:build unix

package main

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
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

// Item 4 (check side): files a hostile repository plants — a FIFO or a link
// to a device as .env, .gitignore, sub/.gitignore or .git/info/exclude —
// give a clear message at once: no hang, no flood.
func TestCheckHostileFilesDoNotHang(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	key := secKey("Pk2mN9bV4cXz")
	mkfifo := func(t *testing.T, p string) {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		envFile string
		stdin   bool   // give keyguard a stdin pipe nobody writes to
		stderr  string // in stderr (the file was refused), exit 2
		issue   string // else: this check among the issues
	}{
		{name: "FIFO .env", setup: func(t *testing.T, dir string) { mkfifo(t, dir+"/.env") }, stderr: "a FIFO"},
		{name: ".env -> /dev/zero", setup: func(t *testing.T, dir string) { must(t, os.Symlink("/dev/zero", dir+"/.env")) }, stderr: "a device"},
		{name: ".env -> /proc/self/fd/0", stdin: true, setup: func(t *testing.T, dir string) { must(t, os.Symlink("/proc/self/fd/0", dir+"/.env")) }, stderr: "not a regular file"},
		{name: "FIFO .gitignore", setup: func(t *testing.T, dir string) { mkfifo(t, dir+"/.gitignore") }, issue: "ignore-file-unreadable"},
		{name: ".gitignore -> /proc/self/fd/0", stdin: true, setup: func(t *testing.T, dir string) { must(t, os.Symlink("/proc/self/fd/0", dir+"/.gitignore")) }, issue: "ignore-file-unreadable"},
		{name: ".gitignore -> /dev/zero", setup: func(t *testing.T, dir string) { must(t, os.Symlink("/dev/zero", dir+"/.gitignore")) }, issue: "ignore-file-unreadable"},
		{name: "FIFO sub/.gitignore", envFile: "sub/.env", setup: func(t *testing.T, dir string) {
			must(t, os.Mkdir(dir+"/sub", 0o755))
			mkfifo(t, dir+"/sub/.gitignore")
		}, issue: "ignore-file-unreadable"},
		{name: "FIFO .git/info/exclude", setup: func(t *testing.T, dir string) {
			must(t, os.MkdirAll(dir+"/.git/info", 0o755))
			must(t, os.Remove(dir+"/.git/info/exclude"))
			mkfifo(t, dir+"/.git/info/exclude")
		}, issue: "ignore-file-unreadable"},
		// Set in the repository's own config (a copied-in .git can carry
		// it); before git was asked where the exclude files are, check
		// waited git's 5 s out here and reported nothing.
		{name: "FIFO core.excludesFile", setup: func(t *testing.T, dir string) {
			mkfifo(t, dir+"/excludes")
			if out, err := exec.Command("git", "-C", dir, "config", "core.excludesFile", dir+"/excludes").CombinedOutput(); err != nil {
				t.Fatalf("git config: %v %s", err, out)
			}
		}, issue: "ignore-file-unreadable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
				t.Fatalf("git init: %v %s", err, out)
			}
			envFile := tt.envFile
			if envFile == "" {
				envFile = ".env"
			}
			tt.setup(t, dir)
			if _, err := os.Lstat(dir + "/" + envFile); err != nil {
				writeEnv(t, dir, envFile, "OPENAI_API_KEY="+key+"\n")
			}
			var stdin *os.File
			if tt.stdin {
				r, w, err := os.Pipe()
				must(t, err)
				defer r.Close()
				defer w.Close()
				stdin = r
			}
			// git's own timeout is 5 s: finishing well under it shows git
			// was never left blocked on the file.
			r := runKeyguardIn(t, dir, nil, stdin, 20*time.Second, "check", "--no-probe", "--format", "json", "--env-file", envFile)
			if r.elapsed > 4*time.Second {
				t.Errorf("check took %v", r.elapsed)
			}
			noKeyAnywhere(t, []string{key}, "output", r.stdout, r.stderr)
			if tt.stderr != "" {
				if r.code != 2 || !strings.Contains(r.stderr, tt.stderr) {
					t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.stderr)
				}
				return
			}
			rep := parseCheckJSON(t, r.stdout)
			found := false
			for _, is := range rep.Issues {
				found = found || is.Check == tt.issue
			}
			if !found || len(rep.Results) != 1 {
				t.Errorf("exit %d, no %s issue or no result:\n%s\n%s", r.code, tt.issue, r.stdout, r.stderr)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
