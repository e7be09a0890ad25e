package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/jsonrpc2"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/safefile"
	"github.com/keyguard/keyguard/diagnostics/walk"
	"github.com/keyguard/keyguard/envscan"
)

// executeCommand runs in its own goroutine (see asyncHandlers): the
// commands wait on the network and on the client.
func (s *Server) executeCommand(ctx context.Context, _ string, raw json.RawMessage) (any, error) {
	var p ExecuteCommandParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	switch p.Command {
	case CommandCheckEnv:
		return s.checkEnv(ctx, p, false)
	case CommandCheckQuota:
		return s.checkEnv(ctx, p, true)
	case CommandScanWorkspace:
		return s.scanWorkspace(ctx, p)
	}
	return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "unknown command %q", p.Command)
}

// envInputs are the .env files a check covers: the one named in the
// arguments (a URI or path), else every open .env document and every .env
// file of the workspace (listed by the caller, without the lock: it walks
// the folders). Open buffers win over disk. Files are read after the lock
// is released, through safefile (a FIFO .env must not freeze the session).
func (s *Server) envInputs(args []json.RawMessage, workspace []string) []envscan.CheckInput {
	var want string
	if len(args) > 0 {
		var a string
		if json.Unmarshal(args[0], &a) == nil && a != "" {
			want = a
			if p, ok := uriToPath(a); ok {
				want = p
			}
		}
	}
	seen := map[string]bool{}
	var out []envscan.CheckInput
	add := func(path string, data []byte) {
		if seen[path] || (want != "" && path != want) {
			return
		}
		seen[path] = true
		out = append(out, envscan.CheckInput{Path: path, Data: data})
	}
	s.mu.Lock()
	for _, d := range s.docs {
		if d.env {
			add(d.displayPath(), d.text)
		}
	}
	s.mu.Unlock()
	var candidates []string
	if want != "" {
		candidates = append(candidates, want)
	}
	for _, p := range workspace {
		// Templates (.env.example) are not checked; their hygiene is
		// published with the other .env files'.
		if diagnostics.IsEnvFile(p) {
			candidates = append(candidates, p)
		}
	}
	for _, c := range candidates {
		if seen[c] {
			continue
		}
		data, err := safefile.Read(c, safefile.DefaultMax)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("skipped a .env file", "err", err.Error())
			}
			continue
		}
		add(c, data)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// checkEnv probes the keys of the .env files (and with quota, makes the
// opt-in 1-token request for keys that work) and answers in the JSON shape
// of `keyguard check --format json`. Verdicts also become diagnostics.
func (s *Server) checkEnv(ctx context.Context, p ExecuteCommandParams, quota bool) (any, error) {
	inputs := s.envInputs(p.Arguments, s.workspaceEnvFiles(ctx))
	fresh := freshRequested(p.Arguments)
	// Whatever the check finds shows in the Problems panel for unopened
	// .env files too (envfiles.go); the user is about to look there.
	defer s.refreshEnvFiles(ctx, nil, "check")
	title := "keyguard: checking .env keys"
	if quota {
		title = "keyguard: checking quota"
	}
	prog, ctx, cancel := s.beginProgress(ctx, p.WorkDoneToken, title)
	defer cancel()
	s.mu.Lock()
	prober, enabled := s.prober, s.cfg.Probe.Enabled
	root := ""
	if rs := s.roots(); len(rs) > 0 {
		root = rs[0]
	}
	s.mu.Unlock()
	// Hygiene and the rows come from envscan (Probe off: rows start as
	// skipped); the probes run here so that each verdict is recorded for
	// diagnostics and hover as it arrives.
	rep := envscan.CheckData(ctx, inputs, nil, envscan.CheckOptions{Root: root})
	if !enabled && !quota {
		prog.end("probing is off")
		return rep, nil
	}
	type job struct {
		row int
		req envscan.ProbeRequest
	}
	var jobs []job
	for _, in := range inputs {
		f := envscan.Parse(in.Path, in.Data)
		for _, kv := range envscan.KeysToProbe(f, nil) {
			for i, r := range rep.Results {
				if r.File == in.Path && r.Line == kv.Var.Line && r.Var == kv.Var.Name {
					jobs = append(jobs, job{row: i, req: kv.Request})
				}
			}
		}
	}
	var done atomic.Int64
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() {
			// A check asked for {"fresh": true} asks the provider again
			// rather than repeat a cached verdict (VS Code's status bar
			// says "click to check again"). Check quota's own paid
			// request is never cached; the free probe before it may be.
			probe := prober.Probe
			if fresh && !quota {
				probe = prober.ProbeFresh
			}
			r := probe(ctx, j.req)
			if quota && (r.Verdict == envscan.VerdictValid || r.Verdict == envscan.VerdictRestricted) {
				q := prober.CheckQuota(ctx, j.req)
				if q.Verdict == envscan.VerdictNoQuota || q.Verdict == envscan.VerdictValid {
					r = q
				}
			}
			r = loadedVerdict(j.req, r)
			if ctx.Err() == nil {
				s.recordVerdict(j.req, r)
			}
			row := &rep.Results[j.row] // each goroutine owns its row
			row.Verdict, row.Status, row.Detail, row.RequestID = r.Verdict, r.Status, r.Detail, r.RequestID
			row.Code, row.Endpoint, row.RateLimit = r.Code, r.Endpoint, r.RateLimit
			n := int(done.Add(1))
			prog.report(fmt.Sprintf("%d/%d keys", n, len(jobs)), n*100/len(jobs))
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		prog.end("cancelled")
		return nil, err
	}
	prog.end(fmt.Sprintf("%d keys checked", len(jobs)))
	// The one masking step, last: over every row, after the probe fields
	// were copied in.
	return envscan.ScrubReport(rep, inputs, nil), nil
}

// freshRequested tells whether a check's arguments hold {"fresh": true}:
// probe every key again instead of answering from the cache. Opt-in, so
// that a client whose command means "show me the verdicts" (Neovim's
// :KeyguardCheckEnv after a save) costs no requests, and one whose user
// clicked "check again" gets a new answer.
func freshRequested(args []json.RawMessage) bool {
	for _, a := range args {
		var o struct {
			Fresh bool `json:"fresh"`
		}
		if json.Unmarshal(a, &o) == nil && o.Fresh {
			return true
		}
	}
	return false
}

// ScanResult answers keyguard.scanWorkspace.
type ScanResult struct {
	Files    int64 `json:"files"`
	Bytes    int64 `json:"bytes"`
	Findings int   `json:"findings"`
	// Documents is how many unopened files got diagnostics.
	Documents int   `json:"documents"`
	MS        int64 `json:"ms"`
	// NotShown counts findings past the cap (maxWorkspaceFindings).
	NotShown int `json:"notShown,omitempty"`
}

// maxWorkspaceFindings caps the diagnostics a workspace scan keeps and
// publishes: walk.MaxFindings, as for `keyguard scan`.
var maxWorkspaceFindings = walk.MaxFindings

// scanWorkspace walks the workspace folders and publishes diagnostics for
// files the editor does not have open (open ones have their own), with
// progress and cancellation.
func (s *Server) scanWorkspace(ctx context.Context, p ExecuteCommandParams) (any, error) {
	start := time.Now()
	s.mu.Lock()
	roots := s.roots()
	s.mu.Unlock()
	prog, ctx, cancel := s.beginProgress(ctx, p.WorkDoneToken, "keyguard: scanning the workspace")
	defer cancel()

	type fileDiags struct {
		diags []Diagnostic
	}
	var (
		mu    sync.Mutex
		found = map[string]*fileDiags{}
		nkeys int
		files atomic.Int64
	)
	dropped := 0 // findings past the cap
	stop := make(chan struct{})
	var tick sync.WaitGroup
	tick.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				mu.Lock()
				k := nkeys
				mu.Unlock()
				prog.report(fmt.Sprintf("%d files, %d keys", files.Load(), k), -1)
			}
		}
	})
	exclude := func(rel string, _ bool) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.cfg.Ignore) > 0 && s.ignored(rel, "")
	}
	stats, errs := walk.Walk(ctx, roots, walk.Options{Exclude: exclude}, func(path string, content []byte, at walk.Position) {
		files.Add(1)
		if diagnostics.IsEnvFile(path) {
			return // .env files are where keys belong; checkEnv covers them
		}
		fs := s.det.Scan(path, content)
		// Reads of provider keys in browser code (clientenv.go), as an
		// open document shows them.
		reads := clientEnvReads(path, content)
		if len(fs) == 0 && len(reads) == 0 {
			return
		}
		// A hostile clone can check out one blob of many keys under many
		// names: millions of diagnostics, gigabytes here and in the
		// editor. Past the cap, findings are counted, not kept.
		mu.Lock()
		room := maxWorkspaceFindings - nkeys
		if room < len(fs) {
			dropped += len(fs) - max(room, 0)
			fs = fs[:max(room, 0)]
		}
		room -= len(fs)
		if room < len(reads) {
			dropped += len(reads) - max(room, 0)
			reads = reads[:max(room, 0)]
		}
		nkeys += len(fs) + len(reads)
		mu.Unlock()
		if len(fs) == 0 && len(reads) == 0 {
			return
		}
		cur := s.newCursor(diagnostics.NewLineIndex(content), content)
		s.mu.Lock()
		var diags []Diagnostic
		add := func(code string, severity diagnostics.Severity, start, end int, msg string) {
			sev, ok := s.severity(code, severityOf(severity))
			if !ok {
				return
			}
			r := cur.rangeOf(start, end)
			// Chunks of a huge file start mid-file: shift to file
			// coordinates (a chunk's first line is shifted by its byte
			// column, exact for ASCII and UTF-8 clients).
			for _, pos := range []*Position{&r.Start, &r.End} {
				if pos.Line == 0 {
					pos.Character += uint32(at.Column)
				}
				pos.Line += uint32(at.Line)
			}
			diags = append(diags, Diagnostic{Range: r, Severity: sev, Code: code, Source: Source, Message: msg})
		}
		for _, f := range fs {
			add(string(f.Code), f.Severity, f.Start, f.End, findingMessage(f))
		}
		for _, rd := range reads {
			add(string(diagnostics.CodeClientSideKey), rd.severity(), rd.start, rd.end, clientReadMessage(rd))
		}
		s.mu.Unlock()
		mu.Lock()
		fd := found[path]
		if fd == nil {
			fd = &fileDiags{}
			found[path] = fd
		}
		fd.diags = append(fd.diags, diags...)
		nkeys -= len(fs) + len(reads) - len(diags) // findings whose severity is off
		mu.Unlock()
	})
	close(stop)
	tick.Wait()
	for _, e := range errs {
		s.log.Debug("workspace scan skipped a path", "path", e.Path, "err", e.Err.Error())
	}
	if err := ctx.Err(); err != nil {
		prog.end("cancelled")
		return nil, err
	}
	res := ScanResult{Files: stats.Files, Bytes: stats.Bytes, Findings: nkeys, NotShown: dropped}
	if dropped > 0 {
		s.log.Warn("workspace scan: too many findings", "shown", nkeys, "notShown", dropped)
	}
	s.mu.Lock()
	published := map[string]bool{}
	for path, fd := range found {
		u := pathToURI(path)
		if s.docs[u] != nil {
			continue
		}
		published[u] = true
		s.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: u, Diagnostics: dedupe(fd.diags)})
		res.Documents++
	}
	// Files an earlier scan flagged and this one did not: clear them.
	for u := range s.scanned {
		if !published[u] && s.docs[u] == nil {
			s.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: u, Diagnostics: []Diagnostic{}})
		}
	}
	s.scanned = published
	s.mu.Unlock()
	res.MS = time.Since(start).Milliseconds()
	if dropped > 0 {
		prog.end(fmt.Sprintf("%d keys in %d files (%d more not shown)", res.Findings, res.Files, dropped))
	} else {
		prog.end(fmt.Sprintf("%d keys in %d files", res.Findings, res.Files))
	}
	s.log.Info("workspace scanned", "files", res.Files, "findings", res.Findings, "ms", res.MS)
	return res, nil
}

// dedupe drops diagnostics that overlapping chunks reported twice.
func dedupe(ds []Diagnostic) []Diagnostic {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Range.Start, ds[j].Range.Start
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Character < b.Character
	})
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && d.Range == ds[i-1].Range {
			continue
		}
		out = append(out, d)
	}
	return out
}
