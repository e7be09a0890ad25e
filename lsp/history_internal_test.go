package lsp

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Roots inside one repository share one history index (one scan), however
// many there are: a file outside every workspace folder has its own
// directory as root, and a hundred .env files in a hundred directories
// started a hundred scans of the same history at once. A root outside any
// repository gets none (and starts no git).
func TestHistoryIndexPerRepository(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	var roots []string
	for _, d := range []string{"", "a", "a/b", "c", "c/d/e"} {
		p := filepath.Join(repo, d)
		os.MkdirAll(p, 0o755)
		roots = append(roots, p)
	}
	outside := t.TempDir()

	s := New(Options{})
	s.bg, s.bgCancel = context.WithCancel(context.Background())
	defer func() { s.bgCancel(); s.wg.Wait() }()
	s.mu.Lock()
	first := s.historyFor(roots[0])
	for _, r := range roots[1:] {
		if h := s.historyFor(r); h != first {
			t.Errorf("%s has an index of its own", r)
		}
	}
	n := len(s.histories)
	none := s.historyFor(outside)
	s.mu.Unlock()
	if first == nil || n != 1 {
		t.Errorf("%d indexes for one repository", n)
	}
	if none != nil {
		t.Errorf("a directory outside any repository got an index")
	}
}
