package gitsafe

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/keyguard/keyguard/diagnostics/safefile"
)

// git opens every ignore file it reads (each .gitignore from the work
// tree's top down to a directory it looks at, info/exclude,
// core.excludesFile) with a blocking open(2) and reads it whole: a FIFO
// there blocks git forever, a link to /dev/zero grows it without end, and
// a hostile repository can deliver either. Before keyguard runs git on a
// repository it checks those files itself, here.

// GitignoreLinks says what CheckIgnoreFiles does with an in-tree .gitignore
// that is a symbolic link. It is the one thing the two callers need
// differently:
//   - `keyguard scan` (walk, through gitfiles) only needs to know whether
//     git can be run safely; git since 2.32 refuses to open a linked
//     .gitignore (as does keyguard's own walker when it lists files without
//     git), so such a link cannot hurt it and is skipped without a word.
//   - .env hygiene (envscan) tells a person whether their .env is protected
//     by git's ignore rules; a linked .gitignore whose target is a FIFO or a
//     device is reported, because an older git follows the link (and would
//     hang or flood) and a .gitignore that points at /dev/zero is no
//     protection the user meant to have.
//
// The repository-wide files (info/exclude, core.excludesFile) are always
// followed: every git follows them.
type GitignoreLinks int

const (
	// GitignoreLinksRefused: a linked .gitignore is skipped, as git >= 2.32
	// refuses it.
	GitignoreLinksRefused GitignoreLinks = iota
	// GitignoreLinksFollowed: a linked .gitignore's target is checked as
	// the file itself would be, as an older git would follow it.
	GitignoreLinksFollowed
)

// UnsafeIgnoreFileError names an ignore file that git would open with a
// blocking open(2) but that is not a regular file within safefile's cap.
type UnsafeIgnoreFileError struct {
	Path string
	Err  error // from safefile.Open; wraps safefile.ErrNotRegular or ErrTooLarge
}

// Reason says what is wrong with the file, without its path: "not a
// regular file (a FIFO)".
func (e *UnsafeIgnoreFileError) Reason() string {
	return strings.TrimPrefix(e.Err.Error(), e.Path+": ")
}

func (e *UnsafeIgnoreFileError) Error() string { return e.Path + ": " + e.Reason() }
func (e *UnsafeIgnoreFileError) Unwrap() error { return e.Err }

// CheckIgnoreFiles returns an *UnsafeIgnoreFileError for each ignore file
// git would read for a path in dirs that exists and is not a regular file
// of at most safefile.DefaultMax bytes (the cap keyguard's own ignore
// reader applies): the .gitignore of each of dirs and of every directory
// above it up to the work tree's top (the first directory holding a .git
// entry, a directory or a worktree's `gitdir:` file; git reads those too,
// also when it runs in a subdirectory), then each of excludeFiles (the
// repository-wide ones, as gitfiles.ExcludeFiles names them). Paths are
// reported in that order, each once.
//
// Each file is opened without blocking and checked with fstat on the open
// descriptor (safefile.Open), never read. A file that is missing, not
// readable, or (with GitignoreLinksRefused) a link, is fine: git's own open
// fails at once on it and git goes on without it.
func CheckIgnoreFiles(dirs, excludeFiles []string, links GitignoreLinks) []error {
	var errs []error
	checked := map[string]bool{}
	check := func(path string, noFollow bool) {
		path = filepath.Clean(path)
		if checked[path] {
			return
		}
		checked[path] = true
		f, _, err := safefile.Open(path, safefile.DefaultMax, noFollow)
		if err == nil {
			f.Close()
			return
		}
		if harmless(err) {
			return
		}
		errs = append(errs, &UnsafeIgnoreFileError{Path: path, Err: err})
	}
	walked := map[string]bool{}
	for _, dir := range dirs {
		for d := filepath.Clean(dir); !walked[d]; {
			walked[d] = true
			check(filepath.Join(d, ".gitignore"), links == GitignoreLinksRefused)
			if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
				break // the work tree's top
			}
			up := filepath.Dir(d)
			if up == d {
				break
			}
			d = up
		}
	}
	for _, f := range excludeFiles {
		check(f, false)
	}
	return errs
}

// harmless tells whether safefile.Open's error means git's own open(2)
// fails at once too (nothing there, no access, a link git refuses or a link
// loop): git then warns at most and reads the other files.
func harmless(err error) bool {
	for _, target := range []error{fs.ErrNotExist, fs.ErrPermission, syscall.ENOTDIR, syscall.ELOOP, safefile.ErrSymlink} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
