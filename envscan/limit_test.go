package envscan

import (
	"context"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/keyguard/keyguard/envscan/fakeprovider"
)

func TestAutoProbeLimiter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l := NewAutoProbeLimiter(20, 60, func() time.Time { return now })
	steps := []struct {
		advance time.Duration
		ask     int
		want    int
	}{
		{0, 3000, 20},              // one big file: the per-file cap
		{0, 5, 5},                  // another file
		{time.Second, 3000, 20},    // 45 in this minute
		{time.Second, 3000, 15},    // the per-minute cap across files
		{time.Second, 1, 0},        // nothing left this minute
		{61 * time.Second, 30, 20}, // a minute later
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if got := l.Admit(st.ask); got != st.want {
			t.Errorf("step %d: admitted %d of %d, want %d", i, got, st.ask, st.want)
		}
	}
	r := l.Capped(ProbeRequest{Provider: "openai", Key: oaKey})
	if r.Verdict != VerdictSkipped || r.Code != CodeProbeCap || r.Fingerprint == "" {
		t.Errorf("capped result %+v", r)
	}
}

// Every request is paced (explicit checks too): n keys take at least
// (n-1)/rate, and the i-th request starts no earlier than i intervals.
func TestProberPacesRequests(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	p := NewProber(ProberConfig{Endpoints: map[string]string{"openai": srv.URL + "/v1"}, RequestsPerSecond: 20, MaxInFlight: 4})
	const n = 12
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		key := fakeKey("openai")
		fp.Set(key, fp.Scenario("openai", "valid"))
		wg.Go(func() { p.Probe(context.Background(), ProbeRequest{Provider: "openai", Key: key}) })
	}
	wg.Wait()
	if d := time.Since(start); d < (n-1)*50*time.Millisecond-10*time.Millisecond {
		t.Errorf("%d requests in %v at 20/s", n, d)
	}
	var at []time.Time
	for _, r := range fp.Requests() {
		at = append(at, r.At)
	}
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	// The i-th request may not start before start + i intervals (arrival
	// can only be later: a lower bound holds on a loaded machine, gaps
	// between arrivals do not).
	for i := range at {
		if earliest := start.Add(time.Duration(i) * 50 * time.Millisecond).Add(-5 * time.Millisecond); at[i].Before(earliest) {
			t.Errorf("request %d arrived %v after the start, before its slot at %v", i, at[i].Sub(start), time.Duration(i)*50*time.Millisecond)
		}
	}
	if len(at) != n {
		t.Errorf("%d requests, want %d", len(at), n)
	}
}

// A Retry-After holds every key's requests to that host, not only the
// retry of the key that got it.
func TestProberHonoursRetryAfterAcrossKeys(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	a, b := fakeKey("openai"), fakeKey("openai")
	fp.Set(a, fakeprovider.RetryAfter(map[string]string{"retry-after": "1"}), fp.Scenario("openai", "valid"))
	fp.Set(b, fp.Scenario("openai", "valid"))
	p := NewProber(ProberConfig{Endpoints: map[string]string{"openai": srv.URL + "/v1"}, RequestsPerSecond: -1})
	done := make(chan Result)
	go func() { done <- p.Probe(context.Background(), ProbeRequest{Provider: "openai", Key: a}) }()
	paused := func() bool {
		p.pacer.mu.Lock()
		defer p.pacer.mu.Unlock()
		return len(p.pacer.hostPause) > 0
	}
	for !paused() { // a's 429 has been classified
		time.Sleep(5 * time.Millisecond)
	}
	if r := p.Probe(context.Background(), ProbeRequest{Provider: "openai", Key: b}); r.Verdict != VerdictValid {
		t.Errorf("b: %+v", r)
	}
	if r := <-done; r.Verdict != VerdictValid {
		t.Errorf("a after its retry: %+v", r)
	}
	var first429, bAt time.Time
	for _, r := range fp.Requests() {
		if r.Key == a && first429.IsZero() {
			first429 = r.At
		}
		if r.Key == b {
			bAt = r.At
		}
	}
	if gap := bAt.Sub(first429); gap < 900*time.Millisecond {
		t.Errorf("b went %v after the host asked to wait 1 s", gap)
	}
}
