package envscan

import (
	"context"
	"testing"
)

// An explicit check asks the provider again even while the cache is fresh,
// and what it learns is what later cached probes answer.
func TestProbeFreshBypassesTheCache(t *testing.T) {
	f := newFixture(t)
	p := NewProber(f.cfg)
	key := fakeKey("openai")
	f.fp.Set(key, f.fp.Scenario("openai", "valid"))
	req := ProbeRequest{Provider: "openai", Key: key}
	if r := p.Probe(context.Background(), req); r.Verdict != VerdictValid {
		t.Fatalf("first probe: %+v", r)
	}
	// The key is revoked in the meantime.
	f.fp.Set(key, f.fp.Scenario("openai", "invalid key"))
	if r := p.Probe(context.Background(), req); !r.Cached || r.Verdict != VerdictValid {
		t.Fatalf("a probe within the TTL should still answer from the cache: %+v", r)
	}
	r := p.ProbeFresh(context.Background(), req)
	if r.Cached || r.Verdict != VerdictInvalid {
		t.Errorf("ProbeFresh = %+v, want a new invalid verdict", r)
	}
	if n := f.fp.Count(key); n != 2 {
		t.Errorf("%d requests, want 2 (open, explicit check)", n)
	}
	if r := p.Probe(context.Background(), req); !r.Cached || r.Verdict != VerdictInvalid {
		t.Errorf("the cache after ProbeFresh = %+v, want the new invalid verdict", r)
	}
}
