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
	reqs := make([]envscan.ProbeRequest, 0, len(keys))
	for _, kv := range keys {
		reqs = append(reqs, kv.Request)
	}
	prober := s.prober
	s.log.Debug("probing keys", "document", d.displayPath(), "keys", len(reqs), "reason", reason)
	s.goSafe("probe "+d.displayPath(), func() {
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

// maxHardcodedProbes caps the keys of one code document probed on open or
// save: merely opening a file of a cloned repository (a scanner's test
// data, or one built for it with thousands of keys) must not fire
// thousands of requests from the user's machine. Keys past the cap keep
// their unprobed diagnostic; checkEnv-style explicit commands are not
// capped here.
const maxHardcodedProbes = 10

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
	var reqs []envscan.ProbeRequest
	held := 0
	for _, f := range d.a.findings {
		if f.Key == "" || seen[f.Fingerprint] {
			continue
		}
		seen[f.Fingerprint] = true
		if len(reqs) >= maxHardcodedProbes {
			held++
			continue
		}
		// No base URL: one found in code is the workspace's, which only
		// an allowed host could use, and the official host is the point.
		reqs = append(reqs, envscan.ProbeRequest{Provider: f.Provider, Key: f.Key})
	}
	if len(reqs) == 0 {
		return
	}
	prober := s.prober
	if held > 0 {
		s.log.Info("hardcoded keys not probed automatically (cap per document)", "document", d.displayPath(), "probed", len(reqs), "held", held)
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
		for _, kv := range s.envKeys(d) {
			if diagnostics.Fingerprint(kv.Request.Key) == fp {
				note.Locations = append(note.Locations, ProbeLocation{URI: d.uri, Line: kv.Var.Line, Var: kv.Var.Name})
			}
		}
		if d.scanned != d.gen || d.a.li == nil {
			continue // a scan is pending and will include the verdict
		}
		if holdsKey(d.a, fp) {
			s.publishLocked(d)
		}
	}
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
	return envscan.KeysToProbe(envscan.Parse(d.displayPath(), d.text), nil)
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
