// Package verify asks providers whether the keys a scan found still work:
// each distinct key once, through envscan's Prober, so the same safety rules
// as `keyguard check` hold (official host unless the user set an endpoint,
// cached by fingerprint, at most MaxInFlight at once, the key only ever in
// a request header).
package verify

import (
	"context"
	"fmt"
	"sync"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan"
)

// maxInFlight bounds the goroutines started here; the Prober bounds the
// requests themselves (DefaultMaxInFlight), this keeps a history with
// thousands of distinct keys from starting thousands of goroutines.
const maxInFlight = envscan.DefaultMaxInFlight

// MaxKeys caps the distinct keys one verification probes. A pull request
// can plant any number of generated key-shaped strings; without a cap a CI
// job with --verify would send a request for each from its runner. Keys
// past the cap are "unknown" (not "skipped"), so `--fail-on live` still
// fails closed: planting a thousand decoys must not let a live key
// through unverified.
var MaxKeys = 1000

// Keys probes every distinct key of fs once (up to MaxKeys) and returns
// the results by key fingerprint.
//
// Each probe carries the key's line as its context, as the language
// server's probes of hardcoded keys do: a key of a shape several services
// share (envscan.RouteKey) is sent only where that line names the
// provider, else it is skipped. A key found on several lines is still
// probed once; any one of its lines that names the provider routes it
// (the code there sends it to that provider), and the request is then that
// finding's, provider label and line together, so a line naming one
// provider never sends a key under another finding's label. The line is
// only routed on, never sent or output.
func Keys(ctx context.Context, prober *envscan.Prober, fs []diagnostics.Finding) map[string]envscan.Result {
	type req struct {
		fingerprint string
		probe       envscan.ProbeRequest
		routed      bool // probe may be sent as it is: no other line needed
	}
	var reqs []req
	var capped []diagnostics.Finding
	at := map[string]int{} // fingerprint → index in reqs, -1 when capped
	for _, f := range fs {
		if f.Key == "" {
			continue
		}
		// A base URL found next to the key is never used here: a scan
		// reads untrusted files, and Prober.resolve already ignores an
		// unlisted host; leaving it empty keeps the official one.
		probe := envscan.ProbeRequest{Provider: f.Provider, Key: f.Key}
		if f.Context != "" {
			probe.Context = []string{f.Context}
		}
		if i, ok := at[f.Fingerprint]; ok {
			// Seen: try this line only while none so far routes the key
			// (for a provider-unique shape the first one already does).
			if i >= 0 && !reqs[i].routed && f.Context != "" && envscan.RouteRequest(probe) == "" {
				reqs[i].probe, reqs[i].routed = probe, true
			}
			continue
		}
		if len(reqs) >= MaxKeys {
			at[f.Fingerprint] = -1
			capped = append(capped, f)
			continue
		}
		at[f.Fingerprint] = len(reqs)
		reqs = append(reqs, req{f.Fingerprint, probe, envscan.RouteRequest(probe) == ""})
	}
	out := make(map[string]envscan.Result, len(reqs)+len(capped))
	for _, f := range capped {
		out[f.Fingerprint] = envscan.Result{Provider: f.Provider, Fingerprint: f.Fingerprint, Verdict: envscan.VerdictUnknown,
			Detail: fmt.Sprintf("Not verified: this scan found more than %d distinct keys, and only that many are probed; treat this key as live until you check it.", MaxKeys)}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxInFlight)
	for _, r := range reqs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res := prober.Probe(ctx, r.probe)
			mu.Lock()
			out[r.fingerprint] = res
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// Live reports whether a verdict says the key works: it authenticated, even
// if it is restricted, out of quota or rate-limited (an attacker can still
// use it, or will once billing returns).
func Live(v envscan.Verdict) bool {
	switch v {
	case envscan.VerdictValid, envscan.VerdictRestricted, envscan.VerdictNoQuota, envscan.VerdictRateLimited:
		return true
	}
	return false
}

// Undecided reports whether a probe could not tell (timeout, 5xx,
// cancelled): `--fail-on live` treats such a key as live, since a CI gate
// that passes whenever the provider is down protects nothing.
func Undecided(v envscan.Verdict) bool { return v == envscan.VerdictUnknown }
