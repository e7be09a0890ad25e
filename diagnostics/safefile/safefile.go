// Package safefile opens files that a hostile repository may have planted:
// a FIFO that blocks a reader forever, a symlink to /dev/zero or
// /proc/self/fd/0, a multi-gigabyte file. Every file keyguard reads on its
// own initiative (ignore files, .env files, side files of a fix) goes
// through Read, which opens without blocking, checks with fstat on the open
// descriptor (no check-then-open race) that it is a regular file, and reads
// at most a cap. Writers of side files use NoSymlinkBelow so a fix never
// writes over or through a link.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Errors that callers can tell apart with errors.Is.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("file too large")
	ErrSymlink    = errors.New("is a symbolic link")
)

// DefaultMax is the cap for configuration-like files (.gitignore, .env,
// .env.example): far above any real one, far below what hurts.
const DefaultMax = 4 << 20

// Open opens path for reading without blocking on FIFOs or devices, and
// returns it only if it is a regular file of at most max bytes (max <= 0:
// no size cap). With noFollow a symlink in the last path element is refused
// (ErrSymlink) instead of followed. The returned file is in blocking mode.
func Open(path string, max int64, noFollow bool) (*os.File, os.FileInfo, error) {
	f, err := openNonblock(path, noFollow)
	if err != nil {
		if noFollow && isLoopErr(err) {
			return nil, nil, fmt.Errorf("%s: %w", path, ErrSymlink)
		}
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, Kind(st.Mode()))
	}
	if max > 0 && st.Size() > max {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w (%d bytes, the cap is %d)", path, ErrTooLarge, st.Size(), max)
	}
	if err := setBlocking(f); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// Read returns the contents of the regular file at path, at most max bytes
// (a file that grows past max while being read is refused too).
func Read(path string, max int64) ([]byte, error) {
	return read(path, max, false)
}

// ReadNoFollow is Read that refuses a symlink in the last path element.
func ReadNoFollow(path string, max int64) ([]byte, error) {
	return read(path, max, true)
}

func read(path string, max int64, noFollow bool) ([]byte, error) {
	f, st, err := Open(path, max, noFollow)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := io.Reader(f)
	if max > 0 {
		r = io.LimitReader(f, max+1)
	}
	buf := make([]byte, 0, st.Size()+1)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
	if max > 0 && int64(len(buf)) > max {
		return nil, fmt.Errorf("%s: %w (more than %d bytes)", path, ErrTooLarge, max)
	}
	return buf, nil
}

// NoSymlinkBelow reports an error wrapping ErrSymlink if path, or any
// directory between root and path, is a symbolic link, and an error wrapping
// ErrNotRegular if path exists and is not a regular file. A path that does
// not exist yet is fine (its existing parents are still checked). root
// itself is trusted (the user opened it); path must be inside root.
func NoSymlinkBelow(root, path string) error {
	root = filepath.Clean(root)
	path = filepath.Clean(path)
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is outside %s", path, root)
	}
	cur := root
	parts := strings.Split(rel, string(filepath.Separator))
	for i, p := range parts {
		if p == "." || p == "" {
			continue
		}
		cur = filepath.Join(cur, p)
		st, err := os.Lstat(cur)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if st.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s: %w; keyguard does not write through links", cur, ErrSymlink)
		}
		last := i == len(parts)-1
		if last && !st.Mode().IsRegular() {
			return fmt.Errorf("%s: %w (%s)", cur, ErrNotRegular, Kind(st.Mode()))
		}
		if !last && !st.IsDir() {
			return fmt.Errorf("%s: not a directory", cur)
		}
	}
	return nil
}

// Kind names what a file that is not a regular file is, for messages:
// "a FIFO", "a device" …
func Kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "a special file"
}
