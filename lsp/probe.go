package lsp

import (
	"sync"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan"
)

// startProbes checks every key of a .env document with its provider, in the
// background: the handler returns at once and each verdict republishes the
// document's diagnostics when it arrives. The prober caches by fingerprint
// and joins a probe already in flight, so saving twice costs one request.
// Called with s.mu held.
func (s *Server) startProbes(d *document, reason string) {
	if !s.cfg.Probe.Enabled {
		return
	}
	keys := s.envKeys(d)
	if len(keys) == 0 {
		return
	}
	prober := s.prober
	// Nobody asked for these probes: a file's keys that would cost a
	// request (not cached, not held back by their shape) pass the
	// automatic-probe cap; the rest are told to run Check .env keys.
	reqs := make([]envscan.ProbeRequest, 0, len(keys))
	var fresh, capped []envscan.ProbeRequest
	for _, kv := range keys {
		if _, ok := prober.Cached(fingerprintOf(kv)); ok || kv.Request.SkipReason != "" {
			reqs = append(reqs, kv.Request)
		} else {
			fresh = append(fresh, kv.Request)
		}
	}
	n := s.autoProbes.Admit(len(fresh))
	reqs = append(reqs, fresh[:n]...)
	for _, req := range fresh[n:] {
		// A key the server already has a real verdict for keeps it (an
		// invalid key stays flagged); only the others say "capped".
		if old, ok := s.verdicts[diagnostics.Fingerprint(req.Key)]; !ok || old.Code == envscan.CodeProbeCap {
			capped = append(capped, req)
		}
	}
	limiter := s.autoProbes
	s.log.Debug("probing keys", "document", d.displayPath(), "keys", len(reqs), "capped", len(capped), "reason", reason)
	s.goSafe("probe "+d.displayPath(), func() {
		if len(capped) > 0 {
			rs := make([]envscan.Result, len(capped))
			for i, req := range capped {
				rs[i] = limiter.Capped(req)
			}
			s.recordVerdicts(capped, rs)
		}
		var wg sync.WaitGroup
		for _, req := range reqs {
			wg.Go(func() {
				r := prober.Probe(s.bg, req)
				if s.bg.Err() != nil {
					return
				}
				s.recordVerdict(req, r)
			})
		}
		wg.Wait()
	})
}

// startHardcodedProbes probes the keys hardcoded in a code document, as
// .env keys are probed (setting probe.hardcoded, on by default): on open
// and on save only, never while typing, so a key half typed is never sent.
// The keys come from the document's scan; when that scan is still pending,
// runDiagnostics starts the probes once it is done. Called with s.mu held.
func (s *Server) startHardcodedProbes(d *document, reason string) {
	if !s.cfg.Probe.Enabled || !s.cfg.Probe.Hardcoded || d.env {
		return
	}
	if d.scanned != d.gen || d.a.li == nil {
		d.probeWanted = reason
		return
	}
	seen := map[string]bool{}
	prober := s.prober
	var reqs, fresh []envscan.ProbeRequest
	for _, f := range d.a.findings {
		if f.Key == "" || seen[f.Fingerprint] {
			continue
		}
		seen[f.Fingerprint] = true
		// No base URL: one found in code is the workspace's, which only
		// an allowed host could use, and the official host is the point.
		// The key's line is its context: a key of a shape several
		// services share goes only where that line names the provider
		// (envscan.RouteKey: `deepseek_key = "sk-…"`, `DeepSeek(api_key=…)`).
		req := envscan.ProbeRequest{Provider: f.Provider, Key: f.Key, Context: []string{diagnostics.LineAround(d.a.text, f.Start)}}
		if _, ok := prober.Cached(f.Fingerprint); ok {
			reqs = append(reqs, req)
		} else {
			fresh = append(fresh, req)
		}
	}
	// Nobody asked for these requests either: the same automatic-probe cap
	// as a .env's keys (issue 10 item 11); a key over it stays unprobed
	// until the next open or save, or an explicit check.
	n := s.autoProbes.Admit(len(fresh))
	reqs = append(reqs, fresh[:n]...)
	if len(reqs) == 0 {
		return
	}
	if held := len(fresh) - n; held > 0 {
		s.log.Info("hardcoded keys not probed automatically (automatic-probe cap)", "document", d.displayPath(), "probed", len(reqs), "held", held)
	}
	s.log.Debug("probing hardcoded keys", "document", d.displayPath(), "keys", len(reqs), "reason", reason)
	s.goSafe("probe "+d.displayPath(), func() {
		var wg sync.WaitGroup
		for _, req := range reqs {
			wg.Go(func() {
				r := prober.Probe(s.bg, req)
				if s.bg.Err() != nil || r.Verdict == envscan.VerdictSkipped {
					return
				}
				s.recordVerdict(req, r)
			})
		}
		wg.Wait()
	})
}

// recordVerdict stores a probe result and republishes every open document
// that holds the key.
func (s *Server) recordVerdict(req envscan.ProbeRequest, r envscan.Result) {
	fp := diagnostics.Fingerprint(req.Key)
	r = loadedVerdict(req, r) // a mangled value's rejection is not the key's (loaded.go)
	if r.Fingerprint == "" {
		r.Fingerprint = fp
	}
	s.log.Info("probe", "provider", req.Provider, "key", diagnostics.Mask(req.Key), "verdict", string(r.Verdict),
		"status", r.Status, "requestId", r.RequestID, "cached", r.Cached)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateInitialized {
		return
	}
	s.verdicts[fp] = r
	note := ProbeResultParams{Provider: req.Provider, Secret: diagnostics.Mask(req.Key), Fingerprint: fp,
		Verdict: string(r.Verdict), Status: r.Status, Detail: r.Detail, RequestID: r.RequestID,
		CheckedAt: r.CheckedAt.UTC().Format(time.RFC3339), Cached: r.Cached, Locations: []ProbeLocation{}}
	for _, d := range s.docs {
		if !d.env {
			// A code document showing this key hardcoded shows the
			// verdict too.
			if d.scanned == d.gen && d.a.li != nil && holdsKey(d.a, fp) {
				s.publishLocked(d)
			}
			continue
		}
		for _, kv := range s.envKeysMemo(d) {
			if diagnostics.Fingerprint(kv.Request.Key) == fp {
				note.Locations = append(note.Locations, ProbeLocation{URI: d.uri, Line: kv.Var.Line, Var: kv.Var.Name})
			}
		}
		if d.scanned != d.gen || d.a.li == nil {
			continue // a scan is pending and will include the verdict
		}
		if holdsKey(d.a, fp) {
			s.republishSoon(d)
		}
	}
	s.diskEnvVerdictLocked(fp, &note)
	s.notify(MethodProbeResult, note)
}

// MethodProbeResult is keyguard's own notification, sent for every probe
// verdict so that a client can show it outside the diagnostics (the VS Code
// status bar, Neovim's statusline). It never carries the key, only its
// mask and fingerprint.
const MethodProbeResult = "keyguard/probeResult"

// ProbeResultParams are the params of keyguard/probeResult.
type ProbeResultParams struct {
	Provider    string `json:"provider"`
	Secret      string `json:"secret"` // masked
	Fingerprint string `json:"fingerprint"`
	Verdict     string `json:"verdict"`
	Status      int    `json:"status"`
	Detail      string `json:"detail"`
	RequestID   string `json:"requestId,omitempty"`
	CheckedAt   string `json:"checkedAt"`
	Cached      bool   `json:"cached"`
	// Locations are the open .env documents' variables holding the key
	// (empty when the key came from a file the editor has not open).
	Locations []ProbeLocation `json:"locations"`
}

// ProbeLocation is one variable holding a probed key; Line is 1-based.
type ProbeLocation struct {
	URI  string `json:"uri"`
	Line int    `json:"line"`
	Var  string `json:"var"`
}

// envKeys are the keys of a .env document's current text: the last scan's
// when it is current, else parsed now. Not s.current: that runs the whole
// analysis, hygiene's git processes included, and this runs under the
// lock in didOpen/didSave and for every verdict. Called with s.mu held.
func (s *Server) envKeys(d *document) []envscan.KeyVar {
	if d.scanned == d.gen && d.a.li != nil {
		return d.a.keys
	}
	if s.ignored(d.path, s.rootFor(d)) {
		return nil
	}
	return keysToProbe(envscan.Parse(d.displayPath(), d.text))
}

func holdsKey(a analysis, fp string) bool {
	for _, kv := range a.keys {
		if diagnostics.Fingerprint(kv.Request.Key) == fp {
			return true
		}
	}
	for _, f := range a.findings {
		if f.Fingerprint == fp {
			return true
		}
	}
	return false
}

// verdictFor is the last known result for a key: the latest probe, else
// the prober's cache. Called with s.mu held.
func (s *Server) verdictFor(fp string) (envscan.Result, bool) {
	if r, ok := s.verdicts[fp]; ok {
		return r, true
	}
	return s.prober.Cached(fp)
}

// recordVerdicts records the verdicts of many keys at once (the ones the
// automatic-probe cap held back, thousands in a large file): each document
// is looked through and republished once, not once per key.
func (s *Server) recordVerdicts(reqs []envscan.ProbeRequest, rs []envscan.Result) {
	notes := make([]ProbeResultParams, len(reqs))
	byFP := make(map[string][]int, len(reqs)) // fingerprint -> indexes into notes
	for i, req := range reqs {
		r := rs[i]
		fp := diagnostics.Fingerprint(req.Key)
		if r.Fingerprint == "" {
			rs[i].Fingerprint = fp
		}
		if r.Code != envscan.CodeProbeCap {
			s.log.Info("probe", "provider", req.Provider, "key", diagnostics.Mask(req.Key), "verdict", string(r.Verdict),
				"status", r.Status, "requestId", r.RequestID, "cached", r.Cached)
		}
		notes[i] = ProbeResultParams{Provider: req.Provider, Secret: diagnostics.Mask(req.Key), Fingerprint: fp,
			Verdict: string(r.Verdict), Status: r.Status, Detail: r.Detail, RequestID: r.RequestID,
			CheckedAt: r.CheckedAt.UTC().Format(time.RFC3339), Cached: r.Cached, Locations: []ProbeLocation{}}
		byFP[fp] = append(byFP[fp], i)
	}
	if len(reqs) > 1 {
		s.log.Info("probes held back by the automatic cap", "keys", len(reqs))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateInitialized {
		return
	}
	for i := range reqs {
		s.verdicts[notes[i].Fingerprint] = rs[i]
	}
	for _, d := range s.docs {
		if !d.env {
			continue
		}
		for _, kv := range s.envKeysMemo(d) {
			for _, i := range byFP[fingerprintOf(kv)] {
				notes[i].Locations = append(notes[i].Locations, ProbeLocation{URI: d.uri, Line: kv.Var.Line, Var: kv.Var.Name})
			}
		}
		if d.scanned != d.gen || d.a.li == nil {
			continue // a scan is pending and will include the verdicts
		}
		if holdsAny(d.a, byFP) {
			s.republishSoon(d)
		}
	}
	for _, note := range notes {
		s.notify(MethodProbeResult, note)
	}
}

// verdictPublishDelay gathers the verdicts that arrive close together into
// one publication: 20 probes of a big file would otherwise republish its
// thousands of diagnostics 20 times.
const verdictPublishDelay = 30 * time.Millisecond

// republishSoon publishes d's diagnostics shortly, once for every verdict
// that arrives in the meantime. Called with s.mu held.
func (s *Server) republishSoon(d *document) {
	if s.republish[d] {
		return
	}
	s.republish[d] = true
	time.AfterFunc(verdictPublishDelay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.republish, d)
		if d.closed || s.state != stateInitialized || d.scanned != d.gen || d.a.li == nil {
			return // closed, or a scan is pending and will include the verdicts
		}
		s.publishLocked(d)
	})
}

// holdsAny tells whether the analysis holds any key of fps.
func holdsAny(a analysis, fps map[string][]int) bool {
	for _, kv := range a.keys {
		if _, ok := fps[fingerprintOf(kv)]; ok {
			return true
		}
	}
	for _, f := range a.findings {
		if _, ok := fps[f.Fingerprint]; ok {
			return true
		}
	}
	return false
}

// envKeysMemo is envKeys for the many verdicts that arrive before the
// debounced scan of a just-opened .env lands: it parses a given text once
// (a 3,000-key file took a second a parse, under the lock, per verdict).
// Called with s.mu held.
func (s *Server) envKeysMemo(d *document) []envscan.KeyVar {
	if d.scanned == d.gen && d.a.li != nil {
		return s.envKeys(d)
	}
	if m, ok := s.keysMemo[d]; ok && sameText(m.text, d.text) {
		return m.keys
	}
	keys := s.envKeys(d)
	for od := range s.keysMemo { // drop what a scan or a close made stale
		if od.closed || (od.scanned == od.gen && od.a.li != nil) {
			delete(s.keysMemo, od)
		}
	}
	if !d.closed {
		s.keysMemo[d] = keysMemo{text: d.text, keys: keys}
	}
	return keys
}

// keysMemo is envKeysMemo's answer for one text of a document.
type keysMemo struct {
	text []byte
	keys []envscan.KeyVar
}

// sameText tells whether a and b are the same slice (document text is
// replaced, never mutated in place, so that is the same text).
func sameText(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// fingerprintOf is the key's fingerprint, computed once by KeysToProbe
// (computed here for a KeyVar built elsewhere).
func fingerprintOf(kv envscan.KeyVar) string {
	if kv.Fingerprint != "" {
		return kv.Fingerprint
	}
	return diagnostics.Fingerprint(kv.Request.Key)
}
