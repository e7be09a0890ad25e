package envscan

import (
	"context"

	"github.com/keyguard/keyguard/diagnostics"
)

// ProbeFresh probes req without answering from the cache: for an explicit
// request ("Check .env keys now", a click on a status bar that says "click
// to check again"), where a verdict from minutes ago is not what the user
// asked for. A probe of the same key already in flight is still joined: it
// started moments ago and its answer is as fresh as a new one. The result
// replaces the cached one.
func (p *Prober) ProbeFresh(ctx context.Context, req ProbeRequest) Result {
	fp := diagnostics.Fingerprint(req.Key)
	p.mu.Lock()
	delete(p.cache, fp)
	p.mu.Unlock()
	return p.Probe(ctx, req)
}
