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
func Keys(ctx context.Context, prober *envscan.Prober, fs []diagnostics.Finding) map[string]envscan.Result {
	type req struct {
		fingerprint string
		probe       envscan.ProbeRequest
	}
	var reqs []req
	var capped []diagnostics.Finding
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Key == "" || seen[f.Fingerprint] {
			continue
		}
		seen[f.Fingerprint] = true
		if len(reqs) >= MaxKeys {
			capped = append(capped, f)
			continue
		}
		// A base URL found next to the key is never used here: a scan
		// reads untrusted files, and Prober.resolve already ignores an
		// unlisted host; leaving it empty keeps the official one.
		reqs = append(reqs, req{f.Fingerprint, envscan.ProbeRequest{Provider: f.Provider, Key: f.Key}})
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
