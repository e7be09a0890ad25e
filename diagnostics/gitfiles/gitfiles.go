// Package gitfiles asks git which files of a work tree a scanner should
// read (`git ls-files -co --exclude-standard`: every tracked file, even one
// that matches .gitignore, plus untracked files that are not ignored) and
// what the index holds (`--staged`). git answers from its index in
// milliseconds where re-running ignore matching over a big tree takes most
// of a second, and its answer is the truth a commit will see.
//
// The repository may be hostile: git runs with no fsmonitor, no hooks, no
// pager, no terminal prompt, output NUL-separated (-z, no quoting), stdin
// closed, and under a time limit, because git itself opens ignore files and
// its own files with a blocking open(2) — a FIFO there would hang it. The
// caller checks the ignore files git would read in the directories it
// knows of first (gitsafe.CheckIgnoreFiles, with ExcludeFiles); the time
// limit covers the rest.
package gitfiles

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/keyguard/keyguard/diagnostics/gitsafe"
)

// ErrNotRepo says the directory is not inside a git work tree (or git is
// not installed): the caller walks the tree itself.
var ErrNotRepo = errors.New("not a git work tree")

// DefaultTimeout bounds each git command. A timed-out listing is not
// fatal: the caller falls back to walking the tree.
const DefaultTimeout = 20 * time.Second

// Timeout is DefaultTimeout, or KEYGUARD_GIT_TIMEOUT (a Go duration) when
// set: slow network file systems want more, tests want less.
func Timeout() time.Duration {
	if v := os.Getenv("KEYGUARD_GIT_TIMEOUT"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	return DefaultTimeout
}

// Git object modes (the index's view of a path).
const (
	ModeSymlink = 0o120000
	ModeGitlink = 0o160000 // a submodule's commit
)

// Entry is one index entry.
type Entry struct {
	Path   string // slash-separated, relative to the directory asked about
	Mode   uint32 // 0o100644, 0o100755, ModeSymlink, ModeGitlink
	Object string // blob id (hex)
}

// IsFile reports whether e is a regular file blob (not a link or submodule).
func (e Entry) IsFile() bool { return e.Mode&0o170000 == 0o100000 }

// hardening are the options every git command gets besides gitsafe's:
// no pager, and paths taken literally (a file named `*.env` is that file).
var hardening = []string{"--no-pager", "--literal-pathspecs"}

type nestedKey struct{}

// Nested marks ctx for a repository nested in the one the process was
// started for (a submodule, a checked-out repository inside the tree):
// variables that point git at a repository (GIT_DIR, GIT_INDEX_FILE … which
// a hook inherits) are dropped, so git finds the nested one from dir.
func Nested(ctx context.Context) context.Context {
	return context.WithValue(ctx, nestedKey{}, true)
}

// repoLocators are the variables that override where git looks.
var repoLocators = []string{"GIT_DIR=", "GIT_WORK_TREE=", "GIT_INDEX_FILE=", "GIT_COMMON_DIR=", "GIT_OBJECT_DIRECTORY=", "GIT_ALTERNATE_OBJECT_DIRECTORIES=", "GIT_NAMESPACE="}

func command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", append(append([]string(nil), hardening...), gitsafe.Args(args...)...)...)
	cmd.Dir = dir
	env := os.Environ()
	if ctx.Value(nestedKey{}) != nil {
		kept := env[:0:0]
		for _, kv := range env {
			if !slices.ContainsFunc(repoLocators, func(p string) bool { return strings.HasPrefix(kv, p) }) {
				kept = append(kept, kv)
			}
		}
		env = kept
	}
	cmd.Env = append(env, gitsafe.Env...)
	// Killing git also closes its pipes at once, so a wedged child never
	// keeps Wait (and us) waiting for EOF.
	cmd.WaitDelay = time.Second
	return cmd
}

// output runs git in dir and returns its stdout.
func output(ctx context.Context, dir string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout())
	defer cancel()
	cmd := command(ctx, dir, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err == nil {
		return out, nil
	}
	if ctx.Err() == context.DeadlineExceeded {
		return nil, fmt.Errorf("git %s took longer than %v (a FIFO or device where git reads a file?)", args[0], Timeout())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		msg := firstLine(stderr.String())
		if exit.ExitCode() == 128 && strings.Contains(msg, "not a git repository") {
			return nil, ErrNotRepo
		}
		return nil, fmt.Errorf("git %s: %s", args[0], msg)
	}
	if errors.Is(err, exec.ErrNotFound) {
		return nil, ErrNotRepo
	}
	return nil, err
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// Index lists the index entries (stage 0, or the "ours" stage of a
// conflict) under dir, restricted to pathspecs when given (taken
// literally). Paths are relative to dir.
func Index(ctx context.Context, dir string, pathspecs ...string) ([]Entry, error) {
	args := []string{"ls-files", "-z", "--cached", "--stage"}
	if len(pathspecs) > 0 {
		args = append(append(args, "--"), pathspecs...)
	}
	out, err := output(ctx, dir, args...)
	if err != nil {
		return nil, err
	}
	var entries []Entry
	for rec := range bytes.SplitSeq(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		// "<mode> <object> <stage>\t<path>"
		meta, path, ok := bytes.Cut(rec, []byte{'\t'})
		f := strings.Fields(string(meta))
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("git ls-files: unexpected record %q", rec)
		}
		mode, err := strconv.ParseUint(f[0], 8, 32)
		if err != nil {
			return nil, fmt.Errorf("git ls-files: bad mode in %q", rec)
		}
		if f[2] != "0" && f[2] != "2" {
			continue // base and "theirs" of a conflict: not what is checked out
		}
		if n := len(entries); n > 0 && entries[n-1].Path == string(path) {
			continue
		}
		entries = append(entries, Entry{Path: string(path), Mode: uint32(mode), Object: f[1]})
	}
	return entries, nil
}

// Untracked lists the untracked files under dir that git does not ignore,
// relative to dir. A nested repository appears once, as its directory with
// a trailing slash.
func Untracked(ctx context.Context, dir string) ([]string, error) {
	out, err := output(ctx, dir, "ls-files", "-z", "--others", "--exclude-standard")
	if err != nil {
		return nil, err
	}
	var paths []string
	for rec := range bytes.SplitSeq(out, []byte{0}) {
		if len(rec) > 0 {
			paths = append(paths, string(rec))
		}
	}
	return paths, nil
}

// ExcludeFiles returns the repository-wide ignore files git reads for dir:
// .git/info/exclude and core.excludesFile (or its default), as absolute
// paths. Missing ones are included; the caller checks them. It returns
// ErrNotRepo when dir is not inside a work tree (also inside .git itself,
// where `git ls-files` would list the work tree's files).
func ExcludeFiles(ctx context.Context, dir string) ([]string, error) {
	out, err := output(ctx, dir, "rev-parse", "--is-inside-work-tree", "--git-path", "info/exclude")
	if err != nil {
		return nil, err
	}
	inside, exclude, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if inside != "true" {
		return nil, ErrNotRepo
	}
	files := []string{abs(dir, exclude)}
	// `git config` exits 1 when the key is unset: then git's default.
	if out, err := output(ctx, dir, "config", "--type=path", "--get", "core.excludesFile"); err == nil && len(bytes.TrimSpace(out)) > 0 {
		files = append(files, abs(dir, strings.TrimSpace(string(out))))
	} else if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		files = append(files, filepath.Join(x, "git", "ignore"))
	} else if h, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(h, ".config", "git", "ignore"))
	}
	return files, nil
}

func abs(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// Blobs streams the content of the given blob ids through one
// `git cat-file --batch`, calling fn for each in order with a reader of
// exactly size bytes (fn must consume it or not; the rest is skipped).
func Blobs(ctx context.Context, dir string, ids []string, fn func(i int, size int64, r io.Reader) error) error {
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := command(ctx, dir, "cat-file", "--batch")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return ErrNotRepo
		}
		return err
	}
	// Feed the ids from another goroutine: git answers as it reads, and a
	// pipe holds only so much.
	go func() {
		bw := bufio.NewWriter(stdin)
		for _, id := range ids {
			if _, err := bw.WriteString(id + "\n"); err != nil {
				break
			}
		}
		bw.Flush()
		stdin.Close()
	}()
	// A FIFO in place of an object blocks git's open(2) forever: a read
	// pending longer than Timeout() kills it.
	var stalled atomic.Bool
	br := bufio.NewReaderSize(WatchStall(ctx, stdout, Timeout(), func() { stalled.Store(true); cancel() }), 1<<20)
	readErr := func() error {
		for i, id := range ids {
			header, err := br.ReadString('\n')
			if err != nil {
				return fmt.Errorf("git cat-file: reading the header of %s: %w", id, err)
			}
			f := strings.Fields(header)
			if len(f) == 2 && f[1] == "missing" {
				return fmt.Errorf("git cat-file: object %s is missing", id)
			}
			if len(f) != 3 {
				return fmt.Errorf("git cat-file: unexpected header %q", header)
			}
			size, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil || size < 0 {
				return fmt.Errorf("git cat-file: bad size in %q", header)
			}
			lr := &io.LimitedReader{R: br, N: size}
			if err := fn(i, size, lr); err != nil {
				return err
			}
			if _, err := io.Copy(io.Discard, lr); err != nil {
				return err
			}
			if b, err := br.ReadByte(); err != nil || b != '\n' {
				return fmt.Errorf("git cat-file: object %s not followed by a newline", id)
			}
		}
		return nil
	}()
	if readErr != nil {
		cancel()
	}
	waitErr := cmd.Wait()
	if stalled.Load() {
		return fmt.Errorf("git cat-file gave no output for %v (a FIFO or device where git reads an object?)", Timeout())
	}
	if readErr != nil {
		return readErr
	}
	if waitErr != nil {
		return fmt.Errorf("git cat-file: %v %s", waitErr, firstLine(stderr.String()))
	}
	return nil
}
