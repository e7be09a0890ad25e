// Package history finds API keys in a git repository's history.
//
// It works as noseyparker does rather than as gitleaks does: instead of
// scanning every commit's diff (history repeats most content many times), it
// lists which blob each commit brought to which path (`git log --raw`, one
// process), reads each distinct blob once through one long-lived
// `git cat-file --batch`, scans it, and then places every key it found in
// the first commit that brought it to each path. Blobs stream through a
// bounded pipeline: memory holds a few blobs at a time, never the history.
package history

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/safefile"
)

// DefaultMaxBlobSize is the largest blob scanned; bigger ones are skipped
// and reported (they are almost always data or build output).
const DefaultMaxBlobSize = 32 << 20

// Options tune a history scan.
type Options struct {
	// Revs are the revisions to walk as `git log` takes them
	// ("main..HEAD", "v1.0", "A", "^B"); empty means every ref (--all).
	// None may start with "-": they are revisions, never options.
	Revs []string
	// MaxBlobSize is the largest blob scanned; default DefaultMaxBlobSize.
	MaxBlobSize int64
	// Workers scan blobs in parallel; default GOMAXPROCS.
	Workers int
	// Detector finds keys; default diagnostics.Default.
	Detector *diagnostics.Detector
	// MaxFindings caps the findings of one scan; default
	// DefaultMaxFindings.
	MaxFindings int
}

// DefaultMaxFindings is far more than any real history holds, and far
// less than what exhausts memory.
const DefaultMaxFindings = 100_000

// Finding is a key found in history: the detector's finding, its Path and
// Line as in Commit, the first commit (in topological order) that brought
// this key to this path.
type Finding struct {
	diagnostics.Finding
	Commit string // full hash
	Date   string // the commit's author date, RFC 3339
	order  int    // topological index of Commit, oldest first
}

// Stats count what a scan read.
type Stats struct {
	Commits int64 `json:"commits"`
	Blobs   int64 `json:"blobs"` // distinct blobs scanned
	Bytes   int64 `json:"bytes"` // bytes of the blobs scanned
	Binary  int64 `json:"binary"`
	Huge    int64 `json:"huge"`
	Missing int64 `json:"missing"`
	MS      int64 `json:"ms"`
}

// Result is everything a scan found.
type Result struct {
	Findings []Finding // oldest commit first, then path, then position
	Stats    Stats
	// Warnings say, one sentence each, what the scan could not see.
	Warnings []string
}

// Scan walks the history of the repository at dir (a work tree, a bare
// repository or any directory inside one). It returns an error only when
// nothing could be scanned: not a repository, a revision that does not
// exist, no git. Everything else (missing or corrupt objects, huge blobs, a
// shallow clone) is a warning and the scan goes on.
func Scan(ctx context.Context, dir string, opts Options) (Result, error) {
	start := time.Now()
	if opts.MaxBlobSize <= 0 {
		opts.MaxBlobSize = DefaultMaxBlobSize
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.Detector == nil {
		opts.Detector = diagnostics.Default
	}
	if opts.MaxFindings <= 0 {
		opts.MaxFindings = DefaultMaxFindings
	}
	for _, r := range opts.Revs {
		if r == "" || strings.HasPrefix(r, "-") {
			return Result{}, fmt.Errorf("bad revision %q: a revision range looks like main..HEAD", r)
		}
	}
	if err := checkRepo(ctx, dir); err != nil {
		return Result{}, err
	}

	// stop ends the scan with a cause: the caller's cancellation, or git
	// stalled (watchStall).
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	s := &scan{dir: dir, opts: opts, pathIndex: map[string]int32{}, occ: map[string][]occurrence{},
		queued: map[string]bool{}, found: map[string][]diagnostics.Finding{}, stop: stop}
	s.warnShallow(ctx)
	s.present = presentObjects(ctx, dir)

	jobs := make(chan job, 4096)
	work := make(chan blob, 2*opts.Workers)
	var logErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(jobs)
		logErr = s.readLog(ctx, jobs)
	}()
	go func() {
		defer wg.Done()
		defer close(work)
		s.readBlobs(ctx, jobs, work)
	}()
	var scanners sync.WaitGroup
	for range opts.Workers {
		scanners.Add(1)
		go func() {
			defer scanners.Done()
			s.scanBlobs(work)
		}()
	}
	wg.Wait()
	scanners.Wait()

	res := Result{Stats: Stats{Commits: int64(len(s.commits)), Blobs: s.blobs.Load(), Bytes: s.bytes.Load(),
		Binary: s.binary.Load(), Huge: s.huge.Load(), Missing: s.missing.Load()}}
	if logErr != nil && len(s.commits) == 0 {
		return res, logErr
	}
	if ctx.Err() != nil {
		return res, context.Cause(ctx)
	}
	if logErr != nil {
		s.warn("%v; commits after that point were not scanned", logErr)
	}
	s.summarise()
	if res.Stats.Blobs == 0 && res.Stats.Missing > 0 && res.Stats.Binary == 0 && res.Stats.Huge == 0 {
		return res, fmt.Errorf("none of the %d blobs in this history could be read (a partial clone without its blobs, or a corrupt repository)", res.Stats.Missing)
	}
	res.Findings = s.place()
	res.Warnings = s.warnings // after place, which may add one
	res.Stats.MS = time.Since(start).Milliseconds()
	return res, nil
}

// checkRepo gives "not a repository" its own clear message before any walk.
func checkRepo(ctx context.Context, dir string) error {
	ctx, cancel := withStallLimit(ctx)
	defer cancel()
	cmd := gitCommand(ctx, dir, "rev-parse", "--git-dir")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return errStalled{what: "rev-parse", limit: stallLimit()}
		}
		var exit interface{ ExitCode() int }
		if errors.As(err, &exit) {
			return fmt.Errorf("%s is not a git repository (%s)", dir, gitMessage(stderr.String()))
		}
		return fmt.Errorf("cannot run git: %v", err)
	}
	return nil
}

// scan is one history scan's shared state.
type scan struct {
	dir  string
	opts Options
	stop context.CancelCauseFunc // ends the scan (git stalled)

	// Written by readLog only, read after it ends.
	commits   []commit
	paths     []string
	pathIndex map[string]int32
	occ       map[string][]occurrence // blob id → first commit per path
	placed    map[placeKey]bool       // (blob id, path) pairs in occ
	queued    map[string]bool         // unit (blob id + class) → sent to cat-file
	nonUTF8   int
	longPaths int // paths over maxToken bytes, skipped

	// present is, in a partial clone, the set of objects this clone has:
	// asking cat-file for any other would make it fetch (or, with lazy
	// fetch off, die). nil in a complete clone.
	present map[string]bool

	mu       sync.Mutex
	found    map[string][]diagnostics.Finding // unit → findings in that blob
	warnings []string
	hugeAt   []string // paths of skipped huge blobs, a few for the message
	failed   []string // blobs git could not read, a few for the message

	blobs, bytes, binary, huge, missing atomic.Int64
}

type commit struct{ hash, date string }

type occurrence struct{ path, commit int32 }

type placeKey struct {
	id   string
	path int32
}

// job asks for one blob to be read and scanned as a file at path.
type job struct{ id, class, path string }

func (j job) unit() string { return j.id + "\x00" + j.class }

type blob struct {
	job
	data *[]byte
}

func (s *scan) warn(format string, args ...any) {
	s.mu.Lock()
	s.warnings = append(s.warnings, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// classOf groups paths the detector treats alike: its findings depend on the
// file name only through these (a .env file's keys are envscan's, a
// client-side file's keys are client-side, google-services*.json carries
// Firebase keys that are meant to be public). A blob is scanned once per
// class it appears under — in practice once.
func classOf(path string) string {
	if diagnostics.IsEnvFile(path) {
		return "env"
	}
	base := strings.ToLower(filepath.Base(path))
	if strings.HasPrefix(base, "google-services") {
		return "google-services"
	}
	return filepath.Ext(base)
}

// scanBlobs runs the detector over blobs; findings keep no reference to
// the blob's buffer (the detector copies keys into strings).
func (s *scan) scanBlobs(work <-chan blob) {
	for b := range work {
		fs := s.scanBlob(b.job, *b.data)
		bufPool.Put(b.data)
		if len(fs) > 0 {
			s.mu.Lock()
			s.found[b.unit()] = fs
			s.mu.Unlock()
		}
	}
}

func (s *scan) scanBlob(j job, data []byte) []diagnostics.Finding {
	if j.class != "env" {
		return s.opts.Detector.Scan(j.path, data)
	}
	// Every .env file history holds was committed, so its keys are
	// exposed: the same committed-env-key findings scan gives a tracked
	// .env in the work tree.
	return s.opts.Detector.ScanCommittedEnv(j.path, data)
}

// place turns the findings of each blob into findings at each path the
// blob appeared under, with the commit that brought it there, and keeps for
// each key and path only the first commit that brought it.
//
// At most MaxFindings are kept: what a history holds is findings per blob
// times the paths it appeared at, and a 400 KB repository (one blob of
// 2,000 keys under 2,000 names in one tree) made 4 million findings and
// took scan --git, or the language server's background scan, past 5 GB.
// Blobs are placed in the order history first brought them.
func (s *scan) place() []Finding {
	units := make([]string, 0, len(s.found))
	firstAt := map[string]int32{}
	for unit := range s.found {
		id, _, _ := strings.Cut(unit, "\x00")
		first := int32(len(s.commits))
		for _, o := range s.occ[id] {
			first = min(first, o.commit)
		}
		units = append(units, unit)
		firstAt[unit] = first
	}
	sort.Slice(units, func(i, j int) bool {
		if a, b := firstAt[units[i]], firstAt[units[j]]; a != b {
			return a < b
		}
		return units[i] < units[j]
	})
	type place struct{ fingerprint, path string }
	type firstSeen struct {
		order int
		idx   []int // in out: the key's findings in that commit's blob
	}
	at := map[place]*firstSeen{}
	var out []Finding
	gone := map[int]bool{} // superseded by an older commit
	dropped := 0
	for _, unit := range units {
		fs := s.found[unit]
		id, class, _ := strings.Cut(unit, "\x00")
		for _, o := range s.occ[id] {
			p := s.paths[o.path]
			if classOf(p) != class {
				continue
			}
			c := s.commits[o.commit]
			path := strings.ToValidUTF8(p, "\uFFFD")
			for _, f := range fs {
				k := place{f.Fingerprint, path}
				fs := at[k]
				switch {
				case fs != nil && int(o.commit) > fs.order:
					continue // a later commit: not the first
				case fs != nil && int(o.commit) < fs.order:
					for _, i := range fs.idx {
						gone[i] = true
					}
					fs.order, fs.idx = int(o.commit), nil
				}
				if len(out)-len(gone) >= s.opts.MaxFindings {
					dropped++
					continue
				}
				if fs == nil {
					fs = &firstSeen{order: int(o.commit)}
					at[k] = fs
				}
				f.Path = path
				fs.idx = append(fs.idx, len(out))
				out = append(out, Finding{Finding: f, Commit: c.hash, Date: c.date, order: int(o.commit)})
			}
		}
	}
	if len(gone) > 0 {
		kept := out[:0]
		for i, f := range out {
			if !gone[i] {
				kept = append(kept, f)
			}
		}
		out = kept
	}
	if dropped > 0 {
		s.warn("this history holds more than %d key findings (the same keys under many paths?): %d more were not listed", s.opts.MaxFindings, dropped)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.order != b.order {
			return a.order < b.order
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Start < b.Start
	})
	return out
}

// summarise turns the counters into warnings a person can act on.
func (s *scan) summarise() {
	if n := s.huge.Load(); n > 0 {
		s.warn("%d blob(s) over %d MiB were not scanned, e.g. %s", n, s.opts.MaxBlobSize>>20, strings.Join(s.hugeAt, ", "))
	}
	if n := s.missing.Load(); n > 0 {
		s.warn("%d blob(s) could not be read and were not scanned (a partial clone, or a corrupt repository: try `git fsck`), e.g. %s",
			n, strings.Join(s.failed, "; "))
	}
	if s.longPaths > 0 {
		s.warn("%d path(s) longer than %d KiB were skipped (no file system holds such a path)", s.longPaths, maxToken>>10)
	}
	if s.nonUTF8 > 0 {
		s.warn("%d path(s) are not valid UTF-8; they are shown with U+FFFD in place of the bad bytes", s.nonUTF8)
	}
}

// presentObjects lists the objects a partial clone has, or returns nil for
// a complete clone (or when it cannot tell: then cat-file finds out, one
// missing blob at a time).
func presentObjects(ctx context.Context, dir string) map[string]bool {
	ctx, cancel := withStallLimit(ctx)
	defer cancel()
	// A partial clone names a promisor remote (git ≥ 2.2x writes only
	// remote.<name>.promisor; older ones extensions.partialClone).
	if err := gitCommand(ctx, dir, "config", "--get-regexp", `^(extensions\.partialclone|remote\..*\.promisor)$`).Run(); err != nil {
		return nil // not a partial clone
	}
	cmd := gitCommand(ctx, dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil
	}
	if err := cmd.Start(); err != nil {
		return nil
	}
	present := map[string]bool{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		present[sc.Text()] = true
	}
	if err := cmd.Wait(); err != nil || sc.Err() != nil {
		return nil
	}
	return present
}

// warnShallow says what a shallow clone hides: the commits before its
// boundary, so keys added and removed there are not seen, and keys found in
// a boundary commit may be older than it.
func (s *scan) warnShallow(ctx context.Context) {
	ctx, cancel := withStallLimit(ctx)
	defer cancel()
	out, err := gitCommand(ctx, s.dir, "rev-parse", "--is-shallow-repository", "--git-path", "shallow").Output()
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 || lines[0] != "true" {
		return
	}
	path := lines[1]
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.dir, path)
	}
	// Not os.ReadFile: the file is the repository's, and may be a FIFO
	// or a link to /dev/zero.
	data, _ := safefile.Read(path, safefile.DefaultMax)
	boundary := strings.Fields(string(data))
	shown := make([]string, 0, 3)
	for _, b := range boundary[:min(3, len(boundary))] {
		shown = append(shown, shortID(b))
	}
	s.warn("shallow clone: the history before %d boundary commit(s) (%s) is not in this clone, so keys committed there are not seen, and a key found in a boundary commit may be older than that commit (run `git fetch --unshallow` to scan everything)",
		len(boundary), strings.Join(shown, ", "))
}

func shortID(id string) string { return id[:min(12, len(id))] }

// gitMessage picks the line of git's stderr that says what went wrong:
// the "fatal:" one when there is one (warnings come first), else the first.
func gitMessage(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "fatal: ") {
			return strings.TrimSpace(l)
		}
	}
	return firstLine(stderr)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// limitedBuffer keeps the first max bytes of a process's stderr.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
