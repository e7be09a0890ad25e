//go:build unix

package safefile

import (
	"errors"
	"os"
	"syscall"
)

// openNonblock opens with O_NONBLOCK so that opening a FIFO with no writer
// returns at once instead of blocking the caller forever.
func openNonblock(path string, noFollow bool) (*os.File, error) {
	flags := os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	if noFollow {
		flags |= syscall.O_NOFOLLOW
	}
	return os.OpenFile(path, flags, 0)
}

// setBlocking clears O_NONBLOCK again: a regular file ignores it, but the
// caller gets an ordinary *os.File either way.
func setBlocking(f *os.File) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}

func isLoopErr(err error) bool { return errors.Is(err, syscall.ELOOP) }
