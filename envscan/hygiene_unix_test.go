//go:build unix

package envscan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The repository-wide ignore files are found where git finds them: a FIFO
// info/exclude of the main repository seen from a linked worktree (whose
// .git is a `gitdir:` file), or a FIFO core.excludesFile, is reported at
// once instead of git being left blocked on it until gitTimeout (the
// earlier walk looked only for a .git directory and never at
// core.excludesFile).
func TestHygieneHostileRepositoryWideIgnoreFiles(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	git := func(dir string, args ...string) { gitT(t, dir, args...) }
	mkfifo := func(p string) {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	tests := []struct {
		name  string
		setup func(repo string) (root, fifo string) // where check runs, and the FIFO it must name
	}{
		{"info/exclude from a linked worktree", func(repo string) (string, string) {
			git(repo, "commit", "-q", "--allow-empty", "-m", "init")
			wt := filepath.Join(t.TempDir(), "wt")
			git(repo, "worktree", "add", "-q", wt)
			exclude := filepath.Join(repo, ".git", "info", "exclude")
			os.Remove(exclude)
			mkfifo(exclude)
			return wt, exclude
		}},
		{"core.excludesFile", func(repo string) (string, string) {
			fifo := filepath.Join(repo, "excludes")
			mkfifo(fifo)
			git(repo, "config", "core.excludesFile", fifo)
			return repo, fifo
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := t.TempDir()
			git(repo, "init", "-q")
			root, fifo := tt.setup(repo)
			path := filepath.Join(root, ".env")
			data := []byte("A=1\n")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			done := make(chan []Issue, 1)
			start := time.Now()
			go func() { done <- Hygiene(Parse(path, data), data, HygieneOptions{Root: root, Identify: prefixIdentify}) }()
			var issues []Issue
			select {
			case issues = <-done:
			case <-time.After(3 * gitTimeout):
				t.Fatal("Hygiene blocked")
			}
			if elapsed := time.Since(start); elapsed > gitTimeout/2 {
				t.Errorf("Hygiene took %v: git was asked and left blocked on the FIFO", elapsed)
			}
			var got []string
			for _, is := range issues {
				if is.Check == CheckIgnoreFile && strings.Contains(is.Message, fifo+" not a regular file (a FIFO)") {
					return
				}
				got = append(got, is.Check+": "+is.Message)
			}
			t.Errorf("no %s issue naming %s: %q", CheckIgnoreFile, fifo, got)
		})
	}
}
