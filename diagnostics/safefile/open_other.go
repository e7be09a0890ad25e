//go:build !unix

package safefile

import (
	"fmt"
	"os"
)

// openNonblock on Windows: there are no FIFOs in the file system namespace
// that block an open, so a plain open followed by the fstat check is enough.
// noFollow is checked with Lstat (racy, but Windows symlinks need privilege
// to create and git does not check them out by default).
func openNonblock(path string, noFollow bool) (*os.File, error) {
	if noFollow {
		if st, err := os.Lstat(path); err == nil && st.Mode()&os.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s: %w", path, ErrSymlink)
		}
	}
	return os.Open(path)
}

func setBlocking(*os.File) error { return nil }

func isLoopErr(error) bool { return false }
