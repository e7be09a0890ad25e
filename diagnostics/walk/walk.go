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
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/gitfiles"
	"github.com/keyguard/keyguard/diagnostics/gitsafe"
	"github.com/keyguard/keyguard/diagnostics/safefile"
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
	// Binary also reads binary files other than media and archives
	// (compiled Python and Java, libraries), as Position.Binary.
	Binary bool
	// NoGit walks a git work tree with keyguard's own ignore matching
	// instead of asking git what it tracks (tests, comparisons).
	NoGit bool
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

// skipExts are skipped without being opened: media, archives and
// documents are compressed, so a key's bytes are not in them as written.
var skipExts = map[string]bool{}

// compiledExts hold their source's string constants verbatim: scanned as
// binary with Options.Binary, skipped without.
var compiledExts = map[string]bool{}

func init() {
	for _, e := range strings.Fields(`.png .jpg .jpeg .gif .bmp .ico .webp .tiff .psd .mp3 .mp4 .mov .avi .mkv .webm .wav .flac .ogg
		.zip .gz .tgz .bz2 .xz .zst .7z .rar .tar .jar .war .whl .egg .apk .aar .nupkg
		.woff .woff2 .ttf .otf .eot .pdf .doc .docx .xls .xlsx .ppt .pptx .iso .dmg`) {
		skipExts[e] = true
	}
	for _, e := range strings.Fields(`.class .exe .dll .so .dylib .a .o .obj .lib .pyc .pyo .sqlite .db .bin .dat .wasm .node`) {
		compiledExts[e] = true
	}
}

// skipped tells whether a file is not opened at all, by its name.
func (w *walker) skipped(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return skipExts[ext] || (!w.opts.Binary && compiledExts[ext])
}

// Scan walks roots and runs det over every text file.
func Scan(ctx context.Context, roots []string, opts Options, det *diagnostics.Detector) Result {
	return collect(det, func(fn func(string, []byte, Position)) (Stats, []*PathError) {
		return Walk(ctx, roots, opts, fn)
	})
}

// MaxFindings caps the findings one scan gathers: far more than any real
// tree holds, far less than what exhausts memory. A clone of a few hundred
// KB can check out one blob of thousands of keys under thousands of names
// (git stores it once): millions of findings, gigabytes.
const MaxFindings = 100_000

// collect runs det over what walk visits and gathers the findings.
func collect(det *diagnostics.Detector, walk func(fn func(string, []byte, Position)) (Stats, []*PathError)) Result {
	var mu sync.Mutex
	var findings []diagnostics.Finding
	dropped := 0
	stats, errs := walk(func(path string, content []byte, base Position) {
		var fs []diagnostics.Finding
		envFile := diagnostics.IsEnvFile(path)
		committed := base.Tracked || base.Explicit
		switch {
		case base.Binary:
			fs = diagnostics.ScanBinary(path, content)
		case envFile && committed:
			fs = det.ScanCommittedEnv(path, content)
		default:
			fs = det.Scan(path, content)
		}
		// A .env that stays local is where keys belong, encoded or not.
		if !base.Binary && (!envFile || committed) {
			if enc := diagnostics.ScanEncoded(path, content, fs); len(enc) > 0 {
				if envFile {
					for i := range enc {
						enc[i].Rule, enc[i].Code, enc[i].Severity = string(diagnostics.CodeCommittedEnvKey), diagnostics.CodeCommittedEnvKey, diagnostics.SeverityError
					}
				}
				fs = append(fs, enc...)
				sort.Slice(fs, func(i, j int) bool { return fs[i].Start < fs[j].Start })
			}
		}
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
		if room := MaxFindings - len(findings); room < len(fs) {
			dropped += len(fs) - max(room, 0)
			fs = fs[:max(room, 0)]
		}
		findings = append(findings, fs...)
		mu.Unlock()
	})
	if dropped > 0 {
		errs = append(errs, &PathError{Path: ".", Err: fmt.Errorf("more than %d key findings (the same keys in many files?): %d more were not listed", MaxFindings, dropped)})
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
	}
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
	// Tracked says git tracks the file (or has it staged): its content is
	// or will be in the history. Explicit says it was named as a root.
	Tracked, Explicit bool
	// Binary says the file holds NUL bytes (Options.Binary only).
	Binary bool
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
// once. In a git work tree it visits what git tracks, even if ignored, and
// the untracked files git does not ignore (all files with NoIgnore);
// elsewhere it matches .gitignore files itself. A file larger than
// ChunkSize arrives as several overlapping chunks, each with its Position.
// fn must not keep content.
func Walk(ctx context.Context, roots []string, opts Options, fn func(path string, content []byte, at Position)) (Stats, []*PathError) {
	start := time.Now()
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 32 << 20
	}
	w := &walker{opts: opts, fn: fn, files: make(chan job, 256)}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 64<<10)
			for j := range w.files {
				if ctx.Err() != nil {
					continue
				}
				buf = w.scanFile(j, buf)
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

// job is a file for the workers to read.
type job struct {
	path              string
	tracked, explicit bool
}

type walker struct {
	opts   Options
	fn     func(string, []byte, Position)
	files  chan job
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
	sort.SliceStable(w.errs, func(i, j int) bool { return w.errs[i].Path < w.errs[j].Path })
	// One report per path: an ignore file git refused is refused again
	// by the walk that replaces git.
	out := w.errs[:0]
	for i, e := range w.errs {
		if i == 0 || e.Path != w.errs[i-1].Path {
			out = append(out, e)
		}
	}
	w.errs = out
	return w.errs
}

func (w *walker) walkRoot(ctx context.Context, root string) {
	info, err := os.Stat(root) // follows a symlink given explicitly
	if err != nil {
		w.fail(root, err)
		return
	}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			w.fail(root, fmt.Errorf("%w (%s)", safefile.ErrNotRegular, safefile.Kind(info.Mode())))
			return
		}
		if !w.skipped(root) {
			w.files <- job{path: root, explicit: true}
		}
		return
	}
	if !w.opts.NoGit && w.walkGit(ctx, root) {
		return
	}
	w.walkUntracked(ctx, root, nil)
}

// walkGit lists root's files through git. It returns false when root is
// not in a git work tree or git could not say what it tracks.
func (w *walker) walkGit(ctx context.Context, root string) bool {
	excludes, err := gitfiles.ExcludeFiles(ctx, root)
	if errors.Is(err, gitfiles.ErrNotRepo) {
		return false
	}
	var index []gitfiles.Entry
	if err == nil {
		index, err = gitfiles.Index(ctx, root)
	}
	if err != nil {
		w.fail(root, fmt.Errorf("%v; walking the tree without git", err))
		return false
	}
	tracked := make(map[string]bool, len(index))
	dirs := map[string]bool{root: true}
	var nested []string
	for _, e := range index {
		tracked[e.Path] = true
		if e.Mode == gitfiles.ModeGitlink {
			nested = append(nested, e.Path)
			continue
		}
		dirs[filepath.Join(root, filepath.FromSlash(path.Dir(e.Path)))] = true
	}
	if w.opts.NoIgnore {
		w.walkDir(ctx, root, nil, nil, tracked)
		return true
	}
	for _, e := range index {
		if e.IsFile() && w.keep(e.Path) {
			w.files <- job{path: filepath.Join(root, filepath.FromSlash(e.Path)), tracked: true}
		}
	}
	// Submodules are repositories of their own.
	for _, rel := range nested {
		if ctx.Err() == nil && w.keepDir(rel) {
			w.walkNested(ctx, filepath.Join(root, filepath.FromSlash(rel)))
		}
	}
	// git reads every ignore file with a blocking open(2): one that is a
	// FIFO would hang it. Those it would read in the directories we know
	// (and above them, up to the top) are checked here; the time limit on
	// git covers the rest. A linked .gitignore is skipped: git refuses it,
	// and so does walkUntracked.
	unsafe := gitsafe.CheckIgnoreFiles(sortedKeys(dirs), excludes, gitsafe.GitignoreLinksRefused)
	var untracked []string
	switch {
	case len(unsafe) > 0:
		for _, e := range unsafe {
			var ue *gitsafe.UnsafeIgnoreFileError
			errors.As(e, &ue)
			w.fail(ue.Path, fmt.Errorf("ignore file skipped: %s; untracked files are listed without git", ue.Reason()))
		}
	default:
		untracked, err = gitfiles.Untracked(ctx, root)
	}
	if err != nil || len(unsafe) > 0 {
		if err != nil {
			w.fail(root, fmt.Errorf("%v; listing untracked files without git", err))
		}
		w.walkUntracked(ctx, root, tracked)
		return true
	}
	for _, rel := range untracked {
		if strings.HasSuffix(rel, "/") { // a nested repository
			rel = strings.TrimSuffix(rel, "/")
			if ctx.Err() == nil && w.keepDir(rel) {
				w.walkNested(ctx, filepath.Join(root, filepath.FromSlash(rel)))
			}
			continue
		}
		if w.keep(rel) {
			w.files <- job{path: filepath.Join(root, filepath.FromSlash(rel))}
		}
	}
	return true
}

// walkNested visits a submodule or nested repository: through git if it is
// one, else as a plain tree.
func (w *walker) walkNested(ctx context.Context, dir string) {
	if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
		return // a submodule not checked out, or not a directory
	}
	if !w.walkGit(gitfiles.Nested(ctx), dir) {
		w.walkUntracked(ctx, dir, nil)
	}
}

// walkUntracked walks root matching ignore files itself, skipping the
// paths in tracked (already visited).
func (w *walker) walkUntracked(ctx context.Context, root string, tracked map[string]bool) {
	var base []gitignore.Pattern
	if !w.opts.NoIgnore {
		base = w.readIgnoreFile(filepath.Join(root, ".git", "info", "exclude"), nil, true)
	}
	w.walkDir(ctx, root, nil, base, tracked)
}

// keep tells whether a file that git listed (rel, slash-separated) is to
// be read: not under a VCS directory, not excluded, not a known binary.
func (w *walker) keep(rel string) bool {
	if w.skipped(rel) {
		return false
	}
	dir, _ := path.Split(rel)
	if dir != "" && !w.keepDir(strings.TrimSuffix(dir, "/")) {
		return false
	}
	return w.opts.Exclude == nil || !w.opts.Exclude(rel, false)
}

// keepDir is keep for a directory and its ancestors.
func (w *walker) keepDir(rel string) bool {
	for p := rel; p != "." && p != ""; p = path.Dir(p) {
		if vcsDirs[path.Base(p)] {
			return false
		}
		if w.opts.Exclude != nil && w.opts.Exclude(p, true) {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// walkDir visits dir (rel: its path components under the root), whose
// ancestors' ignore patterns are inherited. Files in tracked (by path
// relative to the root) were visited already, or, with NoIgnore, are
// visited as tracked.
func (w *walker) walkDir(ctx context.Context, dir string, rel []string, inherited []gitignore.Pattern, tracked map[string]bool) {
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
		if own := w.readIgnoreFile(filepath.Join(dir, ".gitignore"), rel, false); len(own) > 0 {
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
		var isTracked bool
		if !isDir && tracked != nil {
			isTracked = tracked[strings.Join(childRel, "/")]
			if isTracked && !w.opts.NoIgnore {
				continue // visited from git's list
			}
		}
		if len(patterns) > 0 && matcher.Match(childRel, isDir) {
			continue
		}
		if w.opts.Exclude != nil && w.opts.Exclude(strings.Join(childRel, "/"), isDir) {
			continue
		}
		if isDir {
			w.walkDir(ctx, path, childRel, patterns, tracked)
			continue
		}
		if !typ.IsRegular() || w.skipped(name) {
			continue // FIFOs, sockets, devices, media and archives
		}
		w.files <- job{path: path, tracked: isTracked}
	}
}

// readIgnoreFile reads an ignore file through safefile: a FIFO, a device
// or a link to one (`.gitignore -> /dev/zero`) is reported and skipped,
// never read. An in-tree .gitignore is not followed if it is a symlink (as
// git does since 2.32); info/exclude is.
func (w *walker) readIgnoreFile(path string, domain []string, follow bool) []gitignore.Pattern {
	var data []byte
	var err error
	if follow {
		data, err = safefile.Read(path, safefile.DefaultMax)
	} else {
		data, err = safefile.ReadNoFollow(path, safefile.DefaultMax)
	}
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
			w.fail(path, fmt.Errorf("ignore file skipped: %w", unwrapPath(err, path)))
		}
		return nil
	}
	var ps []gitignore.Pattern
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ps = append(ps, parsePattern(line, domain))
	}
	return ps
}

// unwrapPath drops a leading "path: " from err's text: the report names
// the path already.
func unwrapPath(err error, path string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	if s, ok := strings.CutPrefix(err.Error(), path+": "); ok {
		return errors.New(s)
	}
	return err
}

// sniffLen is how much of a file decides whether it is binary, as git does.
const sniffLen = 8000

// overlap is how far chunks of a big file overlap: more than the longest
// key plus the context a rule looks at before it.
const overlap = 4096

// scanFile reads a file (in chunks if it is big) and hands it to fn. buf
// is reused between files. The file is opened without blocking and read
// only if it is a regular file: a walked path never follows a symlink, an
// explicit one does.
func (w *walker) scanFile(j job, buf []byte) []byte {
	f, info, err := safefile.Open(j.path, 0, !j.explicit)
	if err != nil {
		// Replaced by a link or a FIFO since it was listed, or a tracked
		// file deleted from the work tree: nothing to read.
		if !errors.Is(err, safefile.ErrSymlink) && !errors.Is(err, safefile.ErrNotRegular) && !errors.Is(err, fs.ErrNotExist) {
			w.fail(j.path, unwrapPath(err, j.path))
		}
		return buf
	}
	defer f.Close()
	at := Position{Tracked: j.tracked, Explicit: j.explicit}
	size := info.Size()
	if size <= int64(w.opts.ChunkSize) {
		var content []byte
		var ok bool
		content, buf, at.Binary, ok = w.readWhole(j.path, f, size, buf)
		if ok {
			w.nfiles.Add(1)
			w.nbytes.Add(int64(len(content)))
			w.fn(j.path, content, at)
		}
		return buf
	}
	w.scanChunks(j.path, f, at)
	return buf
}

// readWhole reads a file of the given size into buf. ok is false for a
// read error (reported) or a binary file when Options.Binary is off.
func (w *walker) readWhole(path string, r io.Reader, size int64, buf []byte) (content, newBuf []byte, binary, ok bool) {
	if int64(cap(buf)) < size+1 {
		buf = make([]byte, 0, size+1)
	}
	// The first sniffLen bytes decide whether the file is binary, so
	// a binary file costs one small read, not a read of all of it.
	head := min(size, sniffLen)
	n, err := io.ReadFull(r, buf[:head])
	binary = isBinary(buf[:n])
	if err == nil && binary && !w.opts.Binary {
		return nil, buf, binary, false
	}
	if err == nil && size > head {
		var m int
		m, err = io.ReadFull(r, buf[head:size])
		n += m
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		w.fail(path, err)
		return nil, buf, binary, false
	}
	return buf[:n], buf, binary, true
}

func isBinary(content []byte) bool {
	return bytes.IndexByte(content[:min(len(content), sniffLen)], 0) >= 0
}

// scanChunks scans a file bigger than ChunkSize in pieces that overlap by
// `overlap` bytes, tracking lines so positions stay those of the file.
func (w *walker) scanChunks(path string, f io.Reader, pos Position) {
	r := bufio.NewReaderSize(f, 1<<20)
	chunk := make([]byte, w.opts.ChunkSize+overlap)
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
			if pos.Binary = isBinary(content); pos.Binary && !w.opts.Binary {
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
