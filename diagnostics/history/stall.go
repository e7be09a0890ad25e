package history

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/keyguard/keyguard/diagnostics/gitfiles"
)

// DefaultStallLimit is how long git may leave a read unanswered before the
// scan gives up on it. A hostile repository can make git block forever: a
// FIFO where git opens one of its own files (packed-refs, shallow,
// objects/info/alternates, a loose object, a config include) blocks open(2)
// with no writer. The limit is generous because `git log --topo-order
// --reverse` says nothing until it has walked the whole history, which on
// the largest repositories takes a while.
const DefaultStallLimit = 2 * time.Minute

// stallLimit is DefaultStallLimit, or KEYGUARD_GIT_TIMEOUT (a Go duration)
// when set, as for the work-tree scan's git commands.
func stallLimit() time.Duration {
	if v := os.Getenv("KEYGUARD_GIT_TIMEOUT"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	return DefaultStallLimit
}

// errStalled is the scan's error when git stopped answering.
type errStalled struct {
	what  string
	limit time.Duration
}

func (e errStalled) Error() string {
	return fmt.Sprintf("git %s gave no output for %v (a FIFO or device where git reads one of its own files? set KEYGUARD_GIT_TIMEOUT for a slower disk)", e.what, e.limit)
}

// watchStall wraps r and, until ctx ends, calls stop(errStalled) once a
// read of r has been pending longer than stallLimit().
func watchStall(ctx context.Context, what string, r io.Reader, stop context.CancelCauseFunc) io.Reader {
	limit := stallLimit()
	return gitfiles.WatchStall(ctx, r, limit, func() { stop(errStalled{what: what, limit: limit}) })
}

// withStallLimit bounds a short git command (one that answers at once on
// any sane repository) by the same limit.
func withStallLimit(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, stallLimit())
}
