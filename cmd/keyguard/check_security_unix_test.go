//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Item 4 (check side): files a hostile repository plants — a FIFO or a link
// to a device as .env, .gitignore, sub/.gitignore or .git/info/exclude —
// give a clear message at once: no hang, no flood.
func TestCheckHostileFilesDoNotHang(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	key := secKey("Pk2mN9bV4cXz")
	fifo := func(rel string) func(*testing.T, string) {
		return func(t *testing.T, dir string) { plantFIFO(t, filepath.Join(dir, rel)) }
	}
	link := func(rel, target string) func(*testing.T, string) {
		return func(t *testing.T, dir string) { plantLink(t, filepath.Join(dir, rel), target) }
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string)
		envFile string
		stdin   bool   // give keyguard a stdin pipe nobody writes to
		stderr  string // in stderr (the file was refused), exit 2
		issue   string // else: this check among the issues
	}{
		{name: "FIFO .env", setup: fifo(".env"), stderr: "a FIFO"},
		{name: ".env -> /dev/zero", setup: link(".env", "/dev/zero"), stderr: "a device"},
		{name: ".env -> /proc/self/fd/0", stdin: true, setup: link(".env", "/proc/self/fd/0"), stderr: "not a regular file"},
		{name: "FIFO .gitignore", setup: fifo(".gitignore"), issue: "ignore-file-unreadable"},
		{name: ".gitignore -> /proc/self/fd/0", stdin: true, setup: link(".gitignore", "/proc/self/fd/0"), issue: "ignore-file-unreadable"},
		{name: ".gitignore -> /dev/zero", setup: link(".gitignore", "/dev/zero"), issue: "ignore-file-unreadable"},
		{name: "FIFO sub/.gitignore", envFile: "sub/.env", setup: fifo("sub/.gitignore"), issue: "ignore-file-unreadable"},
		{name: "FIFO .git/info/exclude", setup: fifo(".git/info/exclude"), issue: "ignore-file-unreadable"},
		// Set in the repository's own config (a copied-in .git can carry
		// it); before git was asked where the exclude files are, check
		// waited git's 5 s out here and reported nothing.
		{name: "FIFO core.excludesFile", setup: func(t *testing.T, dir string) {
			fifo("excludes")(t, dir)
			git(t, dir, "config", "core.excludesFile", filepath.Join(dir, "excludes"))
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
			r := runKeyguardBounded(t, boundedRun{dir: dir, stdin: stdin, limit: 20 * time.Second}, "check", "--no-probe", "--format", "json", "--env-file", envFile)
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
