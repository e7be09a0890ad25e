package history

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// readLog lists, oldest commit first, the blobs each commit brought to each
// path, and queues every blob (per class) the first time it is seen.
// Merges are diffed against their first parent only: what a merge took from
// the other side was seen in that side's own commits, which come first in
// topological order; conflict resolutions show up as the merge's changes.
func (s *scan) readLog(ctx context.Context, jobs chan<- job) error {
	args := []string{"log", "--reverse", "--topo-order", "--raw", "--no-renames", "-z", "--no-abbrev",
		"--diff-merges=first-parent", "--root", "--no-textconv", "--no-ext-diff", "--no-color", "--no-mailmap",
		"--format=%x00C%H %aI"}
	if len(s.opts.Revs) == 0 {
		args = append(args, "--all")
	} else {
		args = append(args, s.opts.Revs...)
	}
	args = append(args, "--")
	cmd := gitCommand(ctx, s.dir, args...)
	stderr := &limitedBuffer{max: 4096}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot run git: %v", err)
	}
	parseErr := s.parseLog(ctx, bufio.NewReaderSize(watchStall(ctx, "log", out, s.stop), 256<<10), jobs)
	if parseErr != nil {
		io.Copy(io.Discard, out)
	}
	waitErr := cmd.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if parseErr != nil {
		return parseErr
	}
	if waitErr != nil {
		msg := gitMessage(stderr.String())
		if len(s.commits) == 0 && len(s.opts.Revs) > 0 {
			return fmt.Errorf("bad revision range %q: %s", strings.Join(s.opts.Revs, " "), msg)
		}
		if s.present != nil {
			return fmt.Errorf("git log could not read this partial clone's history (trees missing? a --filter=tree:0 clone cannot be scanned without fetching): %s", msg)
		}
		return fmt.Errorf("git log failed: %s", msg)
	}
	return nil
}

func (s *scan) parseLog(ctx context.Context, r *bufio.Reader, jobs chan<- job) error {
	var (
		expectPath bool
		blobID     string
		long       []byte
	)
	for {
		tok, err := r.ReadSlice(0)
		tooLong := false
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], tok...)
			for errors.Is(err, bufio.ErrBufferFull) {
				tok, err = r.ReadSlice(0)
				if len(long)+len(tok) > maxToken {
					tooLong = true // read on, keep nothing
					continue
				}
				long = append(long, tok...)
			}
			tok = long
		}
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if tooLong {
			if expectPath {
				expectPath = false
				s.longPaths++
			}
			continue
		}
		tok = tok[:len(tok)-1] // the NUL
		if expectPath {
			expectPath = false
			if blobID != "" {
				if err := s.sawBlob(ctx, blobID, tok, jobs); err != nil {
					return err
				}
			}
			continue
		}
		tok = bytes.TrimLeft(tok, "\n")
		switch {
		case len(tok) == 0:
		case tok[0] == 'C':
			hash, date, _ := strings.Cut(string(tok[1:]), " ")
			s.commits = append(s.commits, commit{hash: hash, date: date})
		case tok[0] == ':':
			// ":100644 100644 <old> <new> M" then the path.
			expectPath = true
			blobID = ""
			f := bytes.Fields(tok[1:])
			if len(f) >= 5 && len(s.commits) > 0 && isFileMode(f[1]) && f[4][0] != 'D' && !allZero(f[3]) {
				blobID = string(f[3])
			}
		}
	}
}

// maxToken bounds one path (or other token) of git log's output. Tree
// entry names have no length limit in git's objects, and a name of
// repeated bytes compresses to almost nothing: a 2 MB repository of twenty
// 20 MB names took scan --git past 1 GB. No file system takes a path this
// long, so such a path is not a file anyone checks out; it is skipped and
// counted.
const maxToken = 64 << 10

// isFileMode is a regular file's mode: symlinks (120000) hold a path and
// gitlinks (160000) a commit of another repository.
func isFileMode(m []byte) bool { return bytes.HasPrefix(m, []byte("100")) }

func allZero(id []byte) bool {
	return len(bytes.Trim(id, "0")) == 0
}

// sawBlob records that the current commit brought blob id to path.
func (s *scan) sawBlob(ctx context.Context, id string, rawPath []byte, jobs chan<- job) error {
	pi, ok := s.pathIndex[string(rawPath)]
	if !ok {
		p := string(rawPath)
		if !utf8.ValidString(p) {
			s.nonUTF8++
		}
		pi = int32(len(s.paths))
		s.paths = append(s.paths, p)
		s.pathIndex[p] = pi
	}
	ci := int32(len(s.commits) - 1)
	// A set, not a walk over s.occ[id]: one tree can hold a blob under a
	// million names, and a walk per name was quadratic (100,000 names in
	// a 400 KB repository: 6 s; a million: ten minutes).
	seen := placeKey{id: id, path: pi}
	if s.placed[seen] {
		return nil // this path had this blob already: not a new place
	}
	if s.placed == nil {
		s.placed = map[placeKey]bool{}
	}
	s.placed[seen] = true
	s.occ[id] = append(s.occ[id], occurrence{path: pi, commit: ci})
	j := job{id: id, class: classOf(s.paths[pi]), path: s.paths[pi]}
	if s.queued[j.unit()] {
		return nil
	}
	s.queued[j.unit()] = true
	select {
	case jobs <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
