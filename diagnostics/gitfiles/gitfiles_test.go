package gitfiles

import (
	"context"
	"errors"
	"github.com/keyguard/keyguard/diagnostics/safefile/fifotest"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/diagnostics/gitsafe"
)

func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.invalid")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIndexUntrackedBlobs(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root := t.TempDir()
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB: more than a pipe holds
	write(t, root, map[string]string{".gitignore": "*.log\n", "a.txt": "alpha\n", "empty": "", "dir/big.txt": big,
		"name with\nnewline": "nl\n", "forced.log": "f\n"})
	gitT(t, root, "init", "-q")
	gitT(t, root, "add", ".")
	gitT(t, root, "add", "-f", "forced.log")
	os.Symlink("a.txt", filepath.Join(root, "link"))
	gitT(t, root, "add", "link")
	write(t, root, map[string]string{"new.txt": "n\n", "skip.log": "s\n", "nested/x": "x\n"})
	gitT(t, root+"/nested", "init", "-q")

	entries, err := Index(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	modes := map[string]uint32{}
	for _, e := range entries {
		paths = append(paths, e.Path)
		modes[e.Path] = e.Mode
	}
	if got := strings.Join(paths, "|"); got != ".gitignore|a.txt|dir/big.txt|empty|forced.log|link|name with\nnewline" {
		t.Errorf("index paths %q", got)
	}
	if modes["link"] != ModeSymlink || modes["a.txt"] != 0o100644 {
		t.Errorf("modes %v", modes)
	}
	untracked, err := Untracked(context.Background(), root)
	if err != nil || strings.Join(untracked, "|") != "nested/|new.txt" {
		t.Errorf("untracked %q %v", untracked, err)
	}
	// Pathspecs are literal: "*.txt" names no file.
	if es, err := Index(context.Background(), root, "*.txt"); err != nil || len(es) != 0 {
		t.Errorf("literal pathspec: %v %v", es, err)
	}

	var ids []string
	want := map[string]string{"a.txt": "alpha\n", "empty": "", "dir/big.txt": big}
	var order []string
	for _, e := range entries {
		if _, ok := want[e.Path]; ok {
			ids = append(ids, e.Object)
			order = append(order, e.Path)
		}
	}
	got := map[string]string{}
	err = Blobs(context.Background(), root, ids, func(i int, size int64, r io.Reader) error {
		if i == 0 {
			return nil // unread: skipped for the caller
		}
		b, err := io.ReadAll(r)
		if int64(len(b)) != size {
			t.Errorf("%s: read %d of %d", order[i], len(b), size)
		}
		got[order[i]] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range order[1:] {
		if got[p] != want[p] {
			t.Errorf("blob %s: %d bytes, want %d", p, len(got[p]), len(want[p]))
		}
	}

	// Not a repository; inside .git.
	if _, err := ExcludeFiles(context.Background(), t.TempDir()); !errors.Is(err, ErrNotRepo) {
		t.Errorf("plain dir: %v", err)
	}
	if _, err := ExcludeFiles(context.Background(), filepath.Join(root, ".git")); !errors.Is(err, ErrNotRepo) {
		t.Errorf("inside .git: %v", err)
	}
	ex, err := ExcludeFiles(context.Background(), filepath.Join(root, "dir"))
	if err != nil || ex[0] != filepath.Join(root, "dir", "../.git/info/exclude") && ex[0] != filepath.Join(root, ".git/info/exclude") {
		t.Errorf("exclude files %v %v", ex, err)
	}
}

// A FIFO where git opens an ignore file would block git forever:
// gitsafe.CheckIgnoreFiles names it, and the time limit stops git
// regardless.
func TestFIFOIgnoreFile(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root := t.TempDir()
	write(t, root, map[string]string{"a.txt": "a\n", "new/b.txt": "b\n"})
	gitT(t, root, "init", "-q")
	gitT(t, root, "add", "a.txt")
	fifotest.Make(t, filepath.Join(root, "new", ".gitignore"))
	os.Symlink("/dev/zero", filepath.Join(root, ".gitignore"))
	checked := make(chan []error, 1)
	go func() {
		checked <- gitsafe.CheckIgnoreFiles([]string{root, filepath.Join(root, "new")}, nil, gitsafe.GitignoreLinksRefused)
	}()
	select {
	case errs := <-checked:
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "FIFO") {
			t.Errorf("CheckIgnoreFiles: %v", errs)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("CheckIgnoreFiles blocked on the FIFO")
	}
	t.Setenv("KEYGUARD_GIT_TIMEOUT", "500ms")
	start := time.Now()
	_, err := Untracked(context.Background(), root)
	if err == nil || !strings.Contains(err.Error(), "took longer") || time.Since(start) > 5*time.Second {
		t.Errorf("Untracked over a FIFO: %v after %v", err, time.Since(start))
	}
}
