package history

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// batchSize is how many blob requests go to cat-file before reading the
// answers: few enough that the ids fit a pipe buffer (no deadlock with git
// blocked on its output), enough to keep git busy.
const batchSize = 256

// readBlobs reads the queued blobs with one long-lived `git cat-file
// --batch` and hands text blobs to the scanners. A cat-file that dies (a
// corrupt pack) costs the blob it was on: it is restarted for the rest.
func (s *scan) readBlobs(ctx context.Context, jobs <-chan job, work chan<- blob) {
	cf := &catFile{s: s, ctx: ctx}
	defer cf.close()
	batch := make([]job, 0, batchSize)
	for {
		batch = batch[:0]
		select {
		case j, ok := <-jobs:
			if !ok {
				return
			}
			batch = append(batch, j)
		case <-ctx.Done():
			return
		}
	fill:
		for len(batch) < batchSize {
			select {
			case j, ok := <-jobs:
				if !ok {
					break fill
				}
				batch = append(batch, j)
			default:
				break fill
			}
		}
		if s.present != nil {
			kept := batch[:0]
			for _, j := range batch {
				if s.present[j.id] {
					kept = append(kept, j)
				} else {
					s.recordFailed(j, errors.New("not in this partial clone"))
				}
			}
			batch = kept
		}
		for len(batch) > 0 && ctx.Err() == nil {
			n, err := cf.fetch(batch, work)
			if err == nil {
				break
			}
			// batch[n] was being read when cat-file failed.
			s.recordFailed(batch[n], err)
			cf.close()
			batch = batch[n+1:]
		}
	}
}

func (s *scan) recordFailed(j job, err error) {
	s.missing.Add(1)
	s.mu.Lock()
	if len(s.failed) < 3 {
		s.failed = append(s.failed, fmt.Sprintf("%s (%s): %v", shortID(j.id), j.path, err))
	}
	s.mu.Unlock()
}

type catFile struct {
	s      *scan
	ctx    context.Context
	cancel context.CancelFunc
	cmd    interface{ Wait() error }
	in     *bufio.Writer
	inC    io.Closer
	out    *bufio.Reader
	stderr *limitedBuffer
}

func (c *catFile) start() error {
	ctx, cancel := context.WithCancel(c.ctx)
	cmd := gitCommand(ctx, c.s.dir, "cat-file", "--batch")
	c.stderr = &limitedBuffer{max: 4096}
	cmd.Stderr = c.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return fmt.Errorf("cannot run git cat-file: %v", err)
	}
	c.cmd, c.cancel, c.inC = cmd, cancel, in
	c.in = bufio.NewWriterSize(in, 64<<10)
	c.out = bufio.NewReaderSize(watchStall(ctx, "cat-file", out, c.s.stop), 1<<20)
	return nil
}

func (c *catFile) close() {
	if c.cmd == nil {
		return
	}
	c.inC.Close()
	c.cancel()
	c.cmd.Wait()
	c.cmd = nil
}

// fetch asks for every blob of batch and reads the answers in order. On
// error, n is the index of the blob whose answer could not be read.
func (c *catFile) fetch(batch []job, work chan<- blob) (n int, err error) {
	if c.cmd == nil {
		if err := c.start(); err != nil {
			return 0, err
		}
	}
	for _, j := range batch {
		c.in.WriteString(j.id)
		c.in.WriteByte('\n')
	}
	// A failed flush means cat-file died; the answers it gave before
	// that are still in the pipe, and reading them finds which blob it
	// died on.
	c.in.Flush()
	for i, j := range batch {
		if err := c.read(j, work); err != nil {
			return i, c.failure(err)
		}
	}
	return len(batch), nil
}

// failure prefers git's own words to a broken pipe.
func (c *catFile) failure(err error) error {
	if msg := gitMessage(c.stderr.String()); msg != "" {
		return errors.New(msg)
	}
	return err
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// read reads one answer: "<id> blob <size>\n<content>\n" or "<id> missing\n".
func (c *catFile) read(j job, work chan<- blob) error {
	header, err := c.out.ReadString('\n')
	if err != nil {
		return err
	}
	f := strings.Fields(header)
	if len(f) == 2 && f[1] == "missing" {
		c.s.recordFailed(j, errors.New("missing from the object store"))
		return nil
	}
	if len(f) != 3 {
		return fmt.Errorf("unexpected cat-file answer %q", strings.TrimSpace(header))
	}
	size, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || size < 0 {
		return fmt.Errorf("unexpected cat-file answer %q", strings.TrimSpace(header))
	}
	if f[1] != "blob" || size > c.s.opts.MaxBlobSize {
		if f[1] == "blob" {
			c.s.huge.Add(1)
			c.s.mu.Lock()
			if len(c.s.hugeAt) < 3 {
				c.s.hugeAt = append(c.s.hugeAt, fmt.Sprintf("%s (%d MiB)", j.path, size>>20))
			}
			c.s.mu.Unlock()
		}
		_, err := c.out.Discard(int(size) + 1)
		return err
	}
	bp := bufPool.Get().(*[]byte)
	if int64(cap(*bp)) < size+1 {
		*bp = make([]byte, size+1)
	}
	buf := (*bp)[:size+1]
	if _, err := io.ReadFull(c.out, buf); err != nil {
		bufPool.Put(bp)
		return err
	}
	buf = buf[:size] // the trailing newline
	// git's own test for binary: a NUL in the first 8000 bytes.
	if bytes.IndexByte(buf[:min(len(buf), 8000)], 0) >= 0 {
		c.s.binary.Add(1)
		bufPool.Put(bp)
		return nil
	}
	c.s.blobs.Add(1)
	c.s.bytes.Add(size)
	*bp = buf
	select {
	case work <- blob{job: j, data: bp}:
	case <-c.ctx.Done():
		bufPool.Put(bp)
	}
	return nil
}
