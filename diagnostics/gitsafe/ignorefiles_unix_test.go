//go:build unix

package gitsafe

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/keyguard/keyguard/diagnostics/safefile"
)

// Every tree below has a .git at its top (unless a case says otherwise), so
// the walk up never leaves the test's directory.
func TestCheckIgnoreFiles(t *testing.T) {
	type plant func(t *testing.T, top string)
	// file writes a regular file; fifo, link and dir plant the others.
	file := func(rel, content string) plant {
		return func(t *testing.T, top string) {
			p := filepath.Join(top, rel)
			mustT(t, os.MkdirAll(filepath.Dir(p), 0o755))
			mustT(t, os.WriteFile(p, []byte(content), 0o644))
		}
	}
	fifo := func(rel string) plant {
		return func(t *testing.T, top string) {
			p := filepath.Join(top, rel)
			mustT(t, os.MkdirAll(filepath.Dir(p), 0o755))
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}
	}
	link := func(rel, target string) plant {
		return func(t *testing.T, top string) {
			p := filepath.Join(top, rel)
			mustT(t, os.MkdirAll(filepath.Dir(p), 0o755))
			mustT(t, os.Symlink(target, p))
		}
	}
	dir := func(rel string) plant {
		return func(t *testing.T, top string) { mustT(t, os.MkdirAll(filepath.Join(top, rel), 0o755)) }
	}
	gitDir := dir(".git")
	// A linked worktree's .git is a file naming its real git directory;
	// the walk up stops there as at a .git directory.
	gitFile := file(".git", "gitdir: /elsewhere/.git/worktrees/wt\n")

	both := []GitignoreLinks{GitignoreLinksRefused, GitignoreLinksFollowed}
	cases := []struct {
		name     string
		plants   []plant
		dirs     []string // relative to the tree's top
		excludes []string // likewise
		// Reported paths (relative), for each GitignoreLinks value.
		refused, followed []string
		notRegular        bool // each reported error wraps safefile.ErrNotRegular (else ErrTooLarge)
	}{
		{name: "regular .gitignore", plants: []plant{gitDir, file(".gitignore", ".env\n")}, dirs: []string{"."}},
		{name: "missing .gitignore and exclude", plants: []plant{gitDir}, dirs: []string{".", "no/such/dir"}, excludes: []string{".git/info/exclude", "nowhere/ignore"}},
		{name: "FIFO .gitignore", plants: []plant{gitDir, fifo(".gitignore")}, dirs: []string{"."},
			refused: []string{".gitignore"}, followed: []string{".gitignore"}, notRegular: true},
		{name: "FIFO info/exclude", plants: []plant{gitDir, fifo(".git/info/exclude")}, dirs: []string{"."}, excludes: []string{".git/info/exclude"},
			refused: []string{".git/info/exclude"}, followed: []string{".git/info/exclude"}, notRegular: true},
		{name: ".gitignore -> /dev/zero", plants: []plant{gitDir, link(".gitignore", "/dev/zero")}, dirs: []string{"."},
			followed: []string{".gitignore"}, notRegular: true},
		{name: "sub/.gitignore -> FIFO", plants: []plant{gitDir, fifo("pipe"), link("sub/.gitignore", "../pipe")}, dirs: []string{"sub"},
			followed: []string{"sub/.gitignore"}, notRegular: true},
		// git follows the repository-wide files whatever its version.
		{name: "exclude and core.excludesFile -> /dev/zero", plants: []plant{gitDir, link(".git/info/exclude", "/dev/zero"), link("home/ignore", "/dev/zero")},
			dirs: []string{"."}, excludes: []string{".git/info/exclude", "home/ignore"},
			refused: []string{".git/info/exclude", "home/ignore"}, followed: []string{".git/info/exclude", "home/ignore"}, notRegular: true},
		{name: ".gitignore and exclude -> regular file", plants: []plant{gitDir, file("shared/ignore", "*.log\n"), link(".gitignore", "shared/ignore"), link(".git/info/exclude", "../../shared/ignore")},
			dirs: []string{"."}, excludes: []string{".git/info/exclude"}},
		{name: ".gitignore link loop", plants: []plant{gitDir, link(".gitignore", ".gitignore")}, dirs: []string{"."}},
		{name: "directory named .gitignore", plants: []plant{gitDir, dir("sub/.gitignore")}, dirs: []string{"sub"},
			refused: []string{"sub/.gitignore"}, followed: []string{"sub/.gitignore"}, notRegular: true},
		{name: "over the size cap", plants: []plant{gitDir, func(t *testing.T, top string) {
			mustT(t, os.WriteFile(filepath.Join(top, ".gitignore"), nil, 0o644))
			mustT(t, os.Truncate(filepath.Join(top, ".gitignore"), safefile.DefaultMax+1)) // sparse
		}}, dirs: []string{"."}, refused: []string{".gitignore"}, followed: []string{".gitignore"}},
		// git reads every .gitignore from the top down to the directory it
		// looks at, also when run in a subdirectory: the walk goes up to the
		// top, and only there (not into a sibling).
		{name: "nested .gitignore files", plants: []plant{gitDir, fifo("a/.gitignore"), file("a/b/.gitignore", "x\n"), fifo("a/b/c/.gitignore"), fifo("z/.gitignore")},
			dirs: []string{"a/b/c"}, refused: []string{"a/b/c/.gitignore", "a/.gitignore"}, followed: []string{"a/b/c/.gitignore", "a/.gitignore"}, notRegular: true},
		{name: "each file once", plants: []plant{gitDir, fifo(".gitignore"), fifo("a/.gitignore")},
			dirs: []string{"a", ".", "a/", "a"}, excludes: []string{"a/.gitignore"},
			refused: []string{"a/.gitignore", ".gitignore"}, followed: []string{"a/.gitignore", ".gitignore"}, notRegular: true},
		{name: "the walk stops at a .git directory", plants: []plant{fifo(".gitignore"), dir("repo/.git"), fifo("repo/.gitignore")},
			dirs: []string{"repo/sub"}, refused: []string{"repo/.gitignore"}, followed: []string{"repo/.gitignore"}, notRegular: true},
		{name: "the walk stops at a worktree's .git file", plants: []plant{fifo(".gitignore"), func(t *testing.T, top string) { gitFile(t, filepath.Join(top, "wt")) }, fifo("wt/.gitignore")},
			dirs: []string{"wt/sub"}, refused: []string{"wt/.gitignore"}, followed: []string{"wt/.gitignore"}, notRegular: true},
	}
	for _, tc := range cases {
		for _, links := range both {
			name := tc.name + map[GitignoreLinks]string{GitignoreLinksRefused: " (links refused)", GitignoreLinksFollowed: " (links followed)"}[links]
			t.Run(name, func(t *testing.T) {
				top := t.TempDir()
				for _, p := range tc.plants {
					p(t, top)
				}
				abs := func(rels []string) []string {
					var out []string
					for _, r := range rels {
						out = append(out, filepath.Join(top, r))
					}
					return out
				}
				errs := checkWithin(t, abs(tc.dirs), abs(tc.excludes), links)
				want := tc.refused
				if links == GitignoreLinksFollowed {
					want = tc.followed
				}
				var got []string
				for _, err := range errs {
					var ue *UnsafeIgnoreFileError
					if !errors.As(err, &ue) {
						t.Fatalf("%v is not an *UnsafeIgnoreFileError", err)
					}
					rel, _ := filepath.Rel(top, ue.Path)
					got = append(got, rel)
					wantErr := safefile.ErrTooLarge
					if tc.notRegular {
						wantErr = safefile.ErrNotRegular
					}
					if !errors.Is(err, wantErr) || ue.Reason() == "" || err.Error() != ue.Path+": "+ue.Reason() {
						t.Errorf("error %q (reason %q): want one wrapping %v", err, ue.Reason(), wantErr)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("reported %q, want %q", got, want)
				}
			})
		}
	}
}

// checkWithin runs CheckIgnoreFiles with a time bound: a regression that
// opens a FIFO with a blocking open must fail the test, not hang the run.
func checkWithin(t *testing.T, dirs, excludes []string, links GitignoreLinks) []error {
	t.Helper()
	done := make(chan []error, 1)
	go func() { done <- CheckIgnoreFiles(dirs, excludes, links) }()
	select {
	case errs := <-done:
		return errs
	case <-time.After(10 * time.Second):
		t.Fatal("CheckIgnoreFiles blocked (on a FIFO?)")
		return nil
	}
}

func mustT(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
