// Package walk visits the files of a tree the way a secret scanner should:
// in parallel, skipping VCS directories, binary files and git-ignored paths,
// never following directory symlinks (so no loops), and reporting every
// unreadable path without stopping.
//
// `keyguard scan` and the language server's workspace scan share it.
package walk

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/keyguard/keyguard/diagnostics"
)

// Options tune a walk.
type Options struct {
	// NoIgnore scans git-ignored paths too (VCS directories and binary
	// files are still skipped).
	NoIgnore bool
	// Workers is the number of files read and scanned at once; default
	// GOMAXPROCS.
	Workers int
	// ChunkSize is the largest piece of a file held in memory at once;
	// bigger files are scanned in overlapping chunks. Default 32 MiB.
	ChunkSize int
	// Exclude reports paths (slash-separated, relative to their root) to
	// skip, e.g. the language server's `ignore` globs. May be nil.
	Exclude func(rel string, isDir bool) bool
}

// Stats count what a walk read.
type Stats struct {
	Files int64 `json:"files"`
	Bytes int64 `json:"bytes"`
	MS    int64 `json:"ms"`
}

// PathError is a path that could not be read; the walk went on without it.
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *PathError) Unwrap() error { return e.Err }

// Result is everything a Scan found.
type Result struct {
	Findings []diagnostics.Finding // sorted by path, then offset
	Stats    Stats
	Errors   []*PathError // sorted by path
}

// vcsDirs are never scanned: their content is history, not the tree.
var vcsDirs = map[string]bool{".git": true, ".hg": true, ".svn": true, ".bzr": true, ".jj": true, "_darcs": true, "CVS": true, ".pijul": true, ".fossil": true}

// binaryExts are skipped without being opened.
var binaryExts = map[string]bool{}

func init() {
	for _, e := range strings.Fields(`.png .jpg .jpeg .gif .bmp .ico .webp .tiff .psd .mp3 .mp4 .mov .avi .mkv .webm .wav .flac .ogg
		.zip .gz .tgz .bz2 .xz .zst .7z .rar .tar .jar .war .class .exe .dll .so .dylib .a .o .obj .lib .pyc .pyo
		.woff .woff2 .ttf .otf .eot .pdf .doc .docx .xls .xlsx .ppt .pptx .sqlite .db .bin .dat .iso .dmg .wasm .node`) {
		binaryExts[e] = true
	}
}

// Scan walks roots and runs det over every text file.
func Scan(ctx context.Context, roots []string, opts Options, det *diagnostics.Detector) Result {
	var mu sync.Mutex
	var findings []diagnostics.Finding
	stats, errs := Walk(ctx, roots, opts, func(path string, content []byte, base Position) {
		fs := det.Scan(path, content)
		if base.More {
			// Keys reaching into the last half of the overlap are found
			// whole by the next chunk.
			kept := fs[:0]
			for _, f := range fs {
				if f.End <= len(content)-overlap/2 {
					kept = append(kept, f)
				}
			}
			fs = kept
		}
		if len(fs) == 0 {
			return
		}
		for i := range fs {
			base.shift(&fs[i])
		}
		mu.Lock()
		findings = append(findings, fs...)
		mu.Unlock()
	})
	sort.SliceStable(findings, func(i, j int) bool {
		if findings[i].Path != findings[j].Path {
			return findings[i].Path < findings[j].Path
		}
		return findings[i].Start < findings[j].Start
	})
	// Chunks overlap: a key in the overlap is found twice.
	out := findings[:0]
	for i, f := range findings {
		if i > 0 && f.Path == findings[i-1].Path && f.Start == findings[i-1].Start {
			continue
		}
		out = append(out, f)
	}
	return Result{Findings: out, Stats: stats, Errors: errs}
}

// Position places a chunk of a file: Offset bytes into it, starting on
// 0-based Line, at byte column Column of that line. Whole files have the
// zero Position.
type Position struct {
	Offset, Line, Column int
	// More says another chunk follows, which repeats this one's last
	// `overlap` bytes: a key near the end may be cut short here.
	More bool
}

func (p Position) shift(f *diagnostics.Finding) {
	if p.Offset == 0 {
		return
	}
	if f.Line == 1 {
		f.Column += p.Column
	}
	if f.EndLine == 1 {
		f.EndColumn += p.Column
	}
	f.Line += p.Line
	f.EndLine += p.Line
	f.Start += p.Offset
	f.End += p.Offset
}

// Walk calls fn for every text file under roots (explicit file arguments
// are visited even if ignored, as rg does), from several goroutines at
// once. A file larger than ChunkSize arrives as several overlapping chunks,
// each with its Position. fn must not keep content.
func Walk(ctx context.Context, roots []string, opts Options, fn func(path string, content []byte, at Position)) (Stats, []*PathError) {
	start := time.Now()
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 32 << 20
	}
	w := &walker{opts: opts, fn: fn, files: make(chan string, 256)}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 64<<10)
			for path := range w.files {
				if ctx.Err() != nil {
					continue
				}
				buf = w.scanFile(path, buf)
			}
		}()
	}
	for _, root := range roots {
		if ctx.Err() != nil {
			break
		}
		w.walkRoot(ctx, root)
	}
	close(w.files)
	wg.Wait()
	errs := w.errors()
	return Stats{Files: w.nfiles.Load(), Bytes: w.nbytes.Load(), MS: time.Since(start).Milliseconds()}, errs
}

type walker struct {
	opts   Options
	fn     func(string, []byte, Position)
	files  chan string
	nfiles atomic.Int64
	nbytes atomic.Int64

	mu   sync.Mutex
	errs []*PathError
}

func (w *walker) fail(path string, err error) {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	w.mu.Lock()
	w.errs = append(w.errs, &PathError{Path: path, Err: err})
	w.mu.Unlock()
}

func (w *walker) errors() []*PathError {
	w.mu.Lock()
	defer w.mu.Unlock()
	sort.Slice(w.errs, func(i, j int) bool { return w.errs[i].Path < w.errs[j].Path })
	return w.errs
}

func (w *walker) walkRoot(ctx context.Context, root string) {
	info, err := os.Stat(root) // follows a symlink given explicitly
	if err != nil {
		w.fail(root, err)
		return
	}
	if !info.IsDir() {
		if info.Mode().IsRegular() && !binaryExts[strings.ToLower(filepath.Ext(root))] {
			w.files <- root
		}
		return
	}
	var base []gitignore.Pattern
	if !w.opts.NoIgnore {
		base = readIgnoreFile(filepath.Join(root, ".git", "info", "exclude"), nil)
	}
	w.walkDir(ctx, root, nil, base)
}

// walkDir visits dir (rel: its path components under the root), whose
// ancestors' ignore patterns are inherited.
func (w *walker) walkDir(ctx context.Context, dir string, rel []string, inherited []gitignore.Pattern) {
	if ctx.Err() != nil {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		w.fail(dir, err)
		return
	}
	patterns := inherited
	if !w.opts.NoIgnore {
		if own := readIgnoreFile(filepath.Join(dir, ".gitignore"), rel); len(own) > 0 {
			patterns = append(append([]gitignore.Pattern(nil), inherited...), own...)
		}
	}
	matcher := gitignore.NewMatcher(patterns)
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		childRel := append(append([]string(nil), rel...), name)
		typ := e.Type()
		if typ&fs.ModeSymlink != 0 {
			continue // never followed: no loops, no escaping the tree
		}
		isDir := e.IsDir()
		if isDir && vcsDirs[name] {
			continue
		}
		if len(patterns) > 0 && matcher.Match(childRel, isDir) {
			continue
		}
		if w.opts.Exclude != nil && w.opts.Exclude(strings.Join(childRel, "/"), isDir) {
			continue
		}
		if isDir {
			w.walkDir(ctx, path, childRel, patterns)
			continue
		}
		if !typ.IsRegular() || binaryExts[strings.ToLower(filepath.Ext(name))] {
			continue // FIFOs, sockets, devices, known binaries
		}
		w.files <- path
	}
}

func readIgnoreFile(path string, domain []string) []gitignore.Pattern {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var ps []gitignore.Pattern
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	return ps
}

// sniffLen is how much of a file decides whether it is binary, as git does.
const sniffLen = 8000

// overlap is how far chunks of a big file overlap: more than the longest
// key plus the context a rule looks at before it.
const overlap = 4096

// scanFile reads path (in chunks if it is big) and hands it to fn. buf is
// reused between files.
func (w *walker) scanFile(path string, buf []byte) []byte {
	f, err := os.Open(path)
	if err != nil {
		w.fail(path, err)
		return buf
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		w.fail(path, err)
		return buf
	}
	size := info.Size()
	if size <= int64(w.opts.ChunkSize) {
		if int64(cap(buf)) < size+1 {
			buf = make([]byte, 0, size+1)
		}
		// The first sniffLen bytes decide whether the file is binary, so
		// a binary file costs one small read, not a read of all of it.
		head := min(size, sniffLen)
		n, err := io.ReadFull(f, buf[:head])
		if err == nil && isBinary(buf[:n]) {
			return buf
		}
		if err == nil && size > head {
			var m int
			m, err = io.ReadFull(f, buf[head:size])
			n += m
		}
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			w.fail(path, err)
			return buf
		}
		content := buf[:n]
		if isBinary(content) {
			return buf
		}
		w.nfiles.Add(1)
		w.nbytes.Add(int64(n))
		w.fn(path, content, Position{})
		return buf
	}
	w.scanChunks(path, f)
	return buf
}

func isBinary(content []byte) bool {
	return bytes.IndexByte(content[:min(len(content), sniffLen)], 0) >= 0
}

// scanChunks scans a file bigger than ChunkSize in pieces that overlap by
// `overlap` bytes, tracking lines so positions stay those of the file.
func (w *walker) scanChunks(path string, f *os.File) {
	r := bufio.NewReaderSize(f, 1<<20)
	chunk := make([]byte, w.opts.ChunkSize+overlap)
	var pos Position
	carried := 0 // bytes at chunk's start that repeat the previous chunk's end
	first := true
	for {
		n, err := io.ReadFull(r, chunk[carried:])
		total := carried + n
		if total == 0 {
			break
		}
		content := chunk[:total]
		if first {
			if isBinary(content) {
				return
			}
			w.nfiles.Add(1)
			first = false
		}
		w.nbytes.Add(int64(n))
		pos.More = err == nil
		w.fn(path, content, pos)
		if err != nil { // io.EOF or io.ErrUnexpectedEOF: this was the last piece
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				w.fail(path, fmt.Errorf("reading: %w", err))
			}
			break
		}
		// The next chunk starts `overlap` bytes before this one's end.
		next := total - overlap
		advance := content[:next]
		lines := bytes.Count(advance, []byte{'\n'})
		if lines > 0 {
			pos.Column = next - (bytes.LastIndexByte(advance, '\n') + 1)
		} else {
			pos.Column += next
		}
		pos.Line += lines
		pos.Offset += next
		copy(chunk, content[next:])
		carried = overlap
	}
}
