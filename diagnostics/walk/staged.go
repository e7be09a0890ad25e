package walk

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/gitfiles"
)

// ScanStaged scans exactly what the next commit will contain: the blobs in
// git's index under paths (relative to the working directory; none means
// all of it below the working directory), read with `git cat-file --batch`
// rather than from the work tree, which may differ. Every file counts as
// tracked, so a staged .env's keys are committed-env-key findings.
func ScanStaged(ctx context.Context, paths []string, opts Options, det *diagnostics.Detector) Result {
	return collect(det, func(fn func(string, []byte, Position)) (Stats, []*PathError) {
		return WalkStaged(ctx, paths, opts, fn)
	})
}

// WalkStaged is Walk over the index instead of the work tree.
func WalkStaged(ctx context.Context, paths []string, opts Options, fn func(path string, content []byte, at Position)) (Stats, []*PathError) {
	start := time.Now()
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 32 << 20
	}
	w := &walker{opts: opts, fn: fn}
	stats := func() Stats {
		return Stats{Files: w.nfiles.Load(), Bytes: w.nbytes.Load(), MS: time.Since(start).Milliseconds()}
	}
	var specs []string
	for _, p := range paths {
		if p != "." {
			specs = append(specs, p)
		}
	}
	entries, err := gitfiles.Index(ctx, ".", specs...)
	if err != nil {
		if errors.Is(err, gitfiles.ErrNotRepo) {
			err = errors.New("--staged needs a git work tree")
		}
		w.fail(".", err)
		return stats(), w.errors()
	}
	var files []gitfiles.Entry
	for _, e := range entries {
		if e.IsFile() && w.keep(e.Path) {
			files = append(files, e)
		}
	}
	ids := make([]string, len(files))
	for i, e := range files {
		ids[i] = e.Object
	}
	// One git process reads the blobs in order; workers scan them, as
	// Walk's do. Each blob is copied out of the reader into its own
	// buffer, recycled through free.
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type blob struct {
		path    string
		content []byte
		at      Position
	}
	blobs := make(chan blob, workers)
	free := make(chan []byte, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range blobs {
				fn(b.path, b.content, b.at)
				select {
				case free <- b.content[:0]:
				default:
				}
			}
		})
	}
	err = gitfiles.Blobs(ctx, ".", ids, func(i int, size int64, r io.Reader) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := filepath.FromSlash(files[i].Path)
		at := Position{Tracked: true}
		if size > int64(opts.ChunkSize) {
			w.scanChunks(path, r, at)
			return nil
		}
		var buf []byte
		select {
		case buf = <-free:
		default:
		}
		content, _, binary, ok := w.readWhole(path, r, size, buf)
		if ok {
			at.Binary = binary
			w.nfiles.Add(1)
			w.nbytes.Add(int64(len(content)))
			blobs <- blob{path, content, at}
		}
		return nil
	})
	close(blobs)
	wg.Wait()
	if err != nil {
		w.fail(".", err)
	}
	return stats(), w.errors()
}
