package lsp

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// gitIgnored asks git itself whether rel is ignored in the repository dir.
func gitIgnored(t *testing.T, dir, rel string) bool {
	t.Helper()
	cmd := exec.Command("git", "-c", "core.fsmonitor=false", "check-ignore", "-q", "--no-index", "--", rel)
	cmd.Dir = dir
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return false
	}
	t.Fatalf("git check-ignore %q: %v", rel, err)
	return false
}

// Issue 10 item 7: "Add .env to .gitignore" wrote "/" + path unescaped, so
// a folder named `a*` also ignored `ab/.env`, one named "a\n!.env\nb"
// un-ignored the real .env, and trailing spaces were lost. git itself is
// the judge: the line matches the intended path and nothing else.
func TestGitignoreLiteral(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	for _, tc := range []struct {
		dir     string
		decoys  []string // folders whose .env must stay as they were (not ignored)
		refused bool
	}{
		{dir: "plain"},
		{dir: "a*", decoys: []string{"ab", "a"}},
		{dir: "?", decoys: []string{"x"}},
		{dir: "[ab]", decoys: []string{"a", "b"}},
		{dir: "#hash", decoys: []string{"hash"}},
		{dir: "!bang", decoys: []string{"bang"}},
		{dir: `back\slash`, decoys: []string{"backslash"}},
		{dir: "trailing  ", decoys: []string{"trailing"}},
		{dir: "sp ace"},
		{dir: "**", decoys: []string{"x"}},
		{dir: "a\n!.env\nb", refused: true},
		{dir: "cr\r", refused: true},
		{dir: "esc\x1b[2J", refused: true},
		{dir: "nel\u0085", refused: true},
	} {
		rel := tc.dir + "/.env"
		lit, err := gitignoreLiteral(rel)
		if tc.refused {
			if !errors.Is(err, errGitignoreControl) {
				t.Errorf("%q: got %q, %v; want it refused", tc.dir, lit, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.dir, err)
			continue
		}
		repo := t.TempDir()
		if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
			t.Fatalf("git init: %v\n%s", err, out)
		}
		for _, d := range append([]string{tc.dir}, tc.decoys...) {
			if err := os.MkdirAll(filepath.Join(repo, d), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(repo, d, ".env"), []byte("A=1\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(repo, ".env"), []byte("A=1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, ".gitignore"), []byte(".env\n!*/.env\n"+lit+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if !gitIgnored(t, repo, rel) {
			t.Errorf("%q: line %q does not make git ignore it", tc.dir, lit)
		}
		if !gitIgnored(t, repo, ".env") {
			t.Errorf("%q: line %q un-ignores the root .env", tc.dir, lit)
		}
		for _, d := range tc.decoys {
			if gitIgnored(t, repo, d+"/.env") {
				t.Errorf("%q: line %q also ignores %s/.env", tc.dir, lit, d)
			}
		}
	}
}
