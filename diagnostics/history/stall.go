package history

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
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

// stallReader reads git's output and calls stop when one read has waited
// longer than the limit. Only time spent waiting on git counts: while the
// scan is busy elsewhere (back-pressure from slow scanners) no read is
// pending, so nothing is measured.
type stallReader struct {
	r     io.Reader
	since atomic.Int64 // when the pending read began (UnixNano), 0 when none
}

func (s *stallReader) Read(p []byte) (int, error) {
	s.since.Store(time.Now().UnixNano())
	n, err := s.r.Read(p)
	s.since.Store(0)
	return n, err
}

// watchStall wraps r and, until ctx ends, calls stop(errStalled) once a
// read of r has been pending longer than stallLimit().
func watchStall(ctx context.Context, what string, r io.Reader, stop context.CancelCauseFunc) io.Reader {
	limit := stallLimit()
	s := &stallReader{r: r}
	go func() {
		t := time.NewTicker(max(limit/20, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if v := s.since.Load(); v != 0 && time.Since(time.Unix(0, v)) > limit {
					stop(errStalled{what: what, limit: limit})
					return
				}
			}
		}
	}()
	return s
}

// withStallLimit bounds a short git command (one that answers at once on
// any sane repository) by the same limit.
func withStallLimit(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, stallLimit())
}
