package gitfiles

import (
	"context"
	"io"
	"sync/atomic"
	"time"
)

// WatchStall wraps r, git's output, and calls stop once when a read of it
// has been pending longer than limit, until ctx ends. A hostile repository
// can make git block forever (a FIFO where git opens one of its own files:
// a loose object, packed-refs, alternates, a config include), and killing
// git is the only way out. Only time spent waiting on git counts: while
// the caller is busy elsewhere (its consumers are slow) no read is
// pending, so nothing is measured.
func WatchStall(ctx context.Context, r io.Reader, limit time.Duration, stop func()) io.Reader {
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
					stop()
					return
				}
			}
		}
	}()
	return s
}

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
