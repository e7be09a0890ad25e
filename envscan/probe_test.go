package envscan

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan/fakeprovider"
)

// fakeKey makes a key of the provider's shape; the probe tests key on
// ProbeRequest.Provider, so the detector need not recognise it.
func fakeKey(provider string) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	r := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alnum[rand.IntN(len(alnum))]
		}
		return string(b)
	}
	switch provider {
	case "anthropic":
		return "sk-ant-api03-" + r(93) + "AA"
	case "gemini":
		return "AIza" + r(35)
	case "huggingface":
		return "hf_" + r(34)
	case "groq":
		return "gsk_" + r(52)
	}
	return "sk-proj-" + r(74) + "T3BlbkFJ" + r(74)
}

// basePaths are the SDK-form base URL paths of each provider on the fake.
var basePaths = map[string]string{"openai": "/v1", "groq": "/openai/v1", "anthropic": "", "gemini": "", "huggingface": ""}

// sleeps records the waits a Prober asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

type fixture struct {
	fp     *fakeprovider.Server
	srv    *httptest.Server
	sleeps *sleeps
	cfg    ProberConfig
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	t.Cleanup(srv.Close)
	f := &fixture{fp: fp, srv: srv, sleeps: &sleeps{}}
	// No pacing: the fake clock stands still, so paced requests would show
	// up as waits; pacing has its own tests.
	f.cfg = ProberConfig{Endpoints: map[string]string{}, Sleep: f.sleeps.sleep, Timeout: 5 * time.Second, RequestsPerSecond: -1}
	for p, path := range basePaths {
		f.cfg.Endpoints[p] = srv.URL + path
	}
	return f
}

func TestProbeScenarios(t *testing.T) {
	for _, sc := range fakeprovider.Scenarios() {
		t.Run(sc.Provider+"/"+sc.Name, func(t *testing.T) {
			f := newFixture(t)
			key := fakeKey(sc.Provider)
			f.fp.Set(key, f.fp.Scenario(sc.Provider, sc.Name))
			res := NewProber(f.cfg).Probe(context.Background(), ProbeRequest{Provider: sc.Provider, Key: key})
			if string(res.Verdict) != sc.Verdict {
				t.Errorf("verdict %q, want %q (detail %q)", res.Verdict, sc.Verdict, res.Detail)
			}
			if res.Status != sc.Status {
				t.Errorf("status %d, want %d", res.Status, sc.Status)
			}
			wantRequests := 1
			if sc.Retryable {
				wantRequests = 1 + DefaultMaxRetries
			}
			if n := f.fp.Count(key); n != wantRequests {
				t.Errorf("%d requests, want %d", n, wantRequests)
			}
			if res.Detail == "" || strings.Contains(res.Detail, "\n") {
				t.Errorf("detail must be one non-empty line: %q", res.Detail)
			}
			if strings.Contains(res.Detail, key) {
				t.Errorf("detail holds the key: %q", res.Detail)
			}
			if id := sc.Headers["x-request-id"] + sc.Headers["request-id"]; res.RequestID != id {
				t.Errorf("request id %q, want %q", res.RequestID, id)
			}
			for h, v := range sc.Headers {
				if strings.Contains(h, "ratelimit") && res.RateLimit[h] != v {
					t.Errorf("rate limit header %s = %q, want %q", h, res.RateLimit[h], v)
				}
			}
			for _, rq := range f.fp.Requests() {
				if strings.Contains(rq.Query, key) || strings.Contains(rq.Path, key) {
					t.Errorf("key in the URL: %s?%s", rq.Path, rq.Query)
				}
				if rq.Key != key {
					t.Errorf("request carried no key in its auth header")
				}
				if rq.Host != strings.TrimPrefix(f.srv.URL, "http://") {
					t.Errorf("request went to host %q", rq.Host)
				}
			}
		})
	}
}

func TestProbeRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name    string
		headers map[string]string
		want    []time.Duration
	}{
		{"retry-after-ms wins", map[string]string{"retry-after-ms": "250", "retry-after": "1"}, []time.Duration{250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond}},
		{"retry-after seconds", map[string]string{"retry-after": "2"}, []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}},
		{"retry-after date", map[string]string{"retry-after": now.Add(3 * time.Second).Format(http.TimeFormat)}, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}},
		{"capped", map[string]string{"retry-after": "3600"}, []time.Duration{DefaultMaxRetryWait, DefaultMaxRetryWait, DefaultMaxRetryWait}},
		{"exponential without header", nil, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.cfg.Now = func() time.Time { return now }
			key := fakeKey("openai")
			f.fp.Set(key, fakeprovider.RetryAfter(tt.headers))
			res := NewProber(f.cfg).Probe(context.Background(), ProbeRequest{Provider: "openai", Key: key})
			if res.Verdict != VerdictRateLimited {
				t.Fatalf("verdict %q", res.Verdict)
			}
			if got := f.sleeps.all(); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("waits %v, want %v", got, tt.want)
			}
		})
	}
}

func TestProbeRetryThenSuccess(t *testing.T) {
	f := newFixture(t)
	key := fakeKey("openai")
	f.fp.Set(key, fakeprovider.Status(503, "busy"), fakeprovider.Reset(), f.fp.Scenario("openai", "valid"))
	res := NewProber(f.cfg).Probe(context.Background(), ProbeRequest{Provider: "openai", Key: key})
	if res.Verdict != VerdictValid || f.fp.Count(key) != 3 {
		t.Errorf("verdict %q after %d requests, want valid after 3", res.Verdict, f.fp.Count(key))
	}
}

func TestProbeFaults(t *testing.T) {
	tests := []struct {
		name    string
		resp    func(*fakeprovider.Server) fakeprovider.Response
		want    Verdict
		retried bool
	}{
		{"connection reset", func(*fakeprovider.Server) fakeprovider.Response { return fakeprovider.Reset() }, VerdictUnknown, true},
		{"500 text", func(*fakeprovider.Server) fakeprovider.Response { return fakeprovider.Status(500, "oops") }, VerdictUnknown, true},
		{"200 html", func(*fakeprovider.Server) fakeprovider.Response {
			return fakeprovider.Status(200, "<html>captive portal</html>")
		}, VerdictUnknown, false},
		{"redirect not followed", func(*fakeprovider.Server) fakeprovider.Response {
			return fakeprovider.Response{Status: 307, Headers: map[string]string{"Location": "https://evil.example/v1/models"}}
		}, VerdictUnknown, false},
		{"revoked", func(*fakeprovider.Server) fakeprovider.Response {
			return fakeprovider.Response{Status: 401, Body: []byte(`{"error":{"message":"This key has been deactivated.","type":"invalid_request_error","code":"invalid_api_key"}}`)}
		}, VerdictRevoked, false},
		{"insufficient quota on models", func(fp *fakeprovider.Server) fakeprovider.Response { return fp.Scenario("openai", "no credit") }, VerdictNoQuota, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			key := fakeKey("openai")
			f.fp.Set(key, tt.resp(f.fp))
			res := NewProber(f.cfg).Probe(context.Background(), ProbeRequest{Provider: "openai", Key: key})
			if res.Verdict != tt.want {
				t.Errorf("verdict %q, want %q (%s)", res.Verdict, tt.want, res.Detail)
			}
			want := 1
			if tt.retried {
				want = 1 + DefaultMaxRetries
			}
			if n := f.fp.Count(key); n != want {
				t.Errorf("%d requests, want %d", n, want)
			}
		})
	}
}

func TestProbeScrubsEchoedKey(t *testing.T) {
	f := newFixture(t)
	key := fakeKey("openai")
	f.fp.Set(key, fakeprovider.Response{Status: 418, Body: []byte(`{"error":{"message":"teapot for ` + key + `","type":"x"}}`)})
	res := NewProber(f.cfg).Probe(context.Background(), ProbeRequest{Provider: "openai", Key: key})
	if strings.Contains(res.Detail, key) || !strings.Contains(res.Detail, diagnostics.Mask(key)) {
		t.Errorf("detail %q should show the key masked only", res.Detail)
	}
}

func TestProbeCache(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	var mu sync.Mutex
	f.cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	p := NewProber(f.cfg)
	valid, down := fakeKey("openai"), fakeKey("openai")
	f.fp.Set(valid, f.fp.Scenario("openai", "valid"))
	f.fp.Set(down, f.fp.Scenario("openai", "server error"))
	req := ProbeRequest{Provider: "openai", Key: valid}

	if r := p.Probe(context.Background(), req); r.Cached || r.Verdict != VerdictValid {
		t.Fatalf("first probe: %+v", r)
	}
	if r := p.Probe(context.Background(), req); !r.Cached || r.Verdict != VerdictValid {
		t.Errorf("second probe not from cache: %+v", r)
	}
	if c, ok := p.Cached(diagnostics.Fingerprint(valid)); !ok || c.Verdict != VerdictValid {
		t.Errorf("Cached = %+v, %v", c, ok)
	}
	if n := f.fp.Count(valid); n != 1 {
		t.Errorf("%d requests while the cache was fresh, want 1", n)
	}
	// Another project is another question.
	p.Probe(context.Background(), ProbeRequest{Provider: "openai", Key: valid, Project: "proj_1"})
	if n := f.fp.Count(valid); n != 2 {
		t.Errorf("%d requests after a project change, want 2", n)
	}
	p.Probe(context.Background(), ProbeRequest{Provider: "openai", Key: down})
	advance(time.Minute) // past the unknown TTL, within the 10 min TTL
	if _, ok := p.Cached(diagnostics.Fingerprint(down)); ok {
		t.Errorf("an unknown verdict stayed cached for a minute")
	}
	if _, ok := p.Cached(diagnostics.Fingerprint(valid)); !ok {
		t.Errorf("a valid verdict expired after a minute")
	}
	advance(DefaultTTL)
	if r := p.Probe(context.Background(), ProbeRequest{Provider: "openai", Key: valid, Project: "proj_1"}); r.Cached {
		t.Errorf("served from a stale cache")
	}
}

func TestProbeSingleflightJoins(t *testing.T) {
	f := newFixture(t)
	key := fakeKey("openai")
	f.fp.Set(key, fakeprovider.Slow(200*time.Millisecond, f.fp.Scenario("openai", "valid")))
	p := NewProber(f.cfg)
	var wg sync.WaitGroup
	results := make([]Result, 6)
	for i := range results {
		wg.Go(func() { results[i] = p.Probe(context.Background(), ProbeRequest{Provider: "openai", Key: key}) })
	}
	wg.Wait()
	for i, r := range results {
		if r.Verdict != VerdictValid {
			t.Errorf("caller %d: %q", i, r.Verdict)
		}
	}
	if n := f.fp.Count(key); n != 1 {
		t.Errorf("%d requests for concurrent probes of one key, want 1", n)
	}
}

func TestProbeMaxInFlight(t *testing.T) {
	f := newFixture(t)
	p := NewProber(f.cfg)
	var wg sync.WaitGroup
	for range 10 {
		key := fakeKey("openai")
		f.fp.Set(key, fakeprovider.Slow(100*time.Millisecond, f.fp.Scenario("openai", "valid")))
		wg.Go(func() { p.Probe(context.Background(), ProbeRequest{Provider: "openai", Key: key}) })
	}
	wg.Wait()
	if got := f.fp.MaxInFlight(); got > DefaultMaxInFlight || got < 2 {
		t.Errorf("max in flight %d, want 2..%d", got, DefaultMaxInFlight)
	}
	if n := f.fp.Count(""); n != 10 {
		t.Errorf("%d requests, want 10", n)
	}
}

func TestProbeCancel(t *testing.T) {
	f := newFixture(t)
	key := fakeKey("openai")
	f.fp.Set(key, fakeprovider.Slow(10*time.Second, f.fp.Scenario("openai", "valid")))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := NewProber(f.cfg).Probe(ctx, ProbeRequest{Provider: "openai", Key: key})
	if res.Verdict != VerdictUnknown || time.Since(start) > 3*time.Second {
		t.Errorf("verdict %q after %v, want unknown promptly", res.Verdict, time.Since(start))
	}
}

func TestProbeTimeout(t *testing.T) {
	f := newFixture(t)
	f.cfg.Timeout = 100 * time.Millisecond
	f.cfg.MaxRetries = -1
	key := fakeKey("anthropic")
	f.fp.Set(key, fakeprovider.Slow(5*time.Second, f.fp.Scenario("anthropic", "valid")))
	res := NewProber(f.cfg).Probe(context.Background(), ProbeRequest{Provider: "anthropic", Key: key})
	if res.Verdict != VerdictUnknown || res.Code != "timeout" {
		t.Errorf("verdict %q code %q (%s), want unknown/timeout", res.Verdict, res.Code, res.Detail)
	}
}

func TestProbeNetworkFailures(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/v1"
	l.Close()
	tests := []struct{ name, endpoint string }{
		{"connection refused", refused},
		{"DNS failure", "https://keyguard-probe-test.invalid/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sleeps{}
			p := NewProber(ProberConfig{Endpoints: map[string]string{"openai": tt.endpoint}, Sleep: s.sleep, Timeout: 5 * time.Second, RequestsPerSecond: -1})
			res := p.Probe(context.Background(), ProbeRequest{Provider: "openai", Key: fakeKey("openai")})
			if res.Verdict != VerdictUnknown || res.Status != 0 || !strings.Contains(res.Detail, "network") && !strings.Contains(res.Detail, "endpoint") {
				t.Errorf("%+v", res)
			}
			if len(s.all()) > DefaultMaxRetries {
				t.Errorf("%d retries", len(s.all()))
			}
		})
	}
}

// hostRecorder is a transport that answers every request itself and notes
// the host, so the official host can be "probed" without network.
type hostRecorder struct {
	mu    sync.Mutex
	hosts []string
}

func (h *hostRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.hosts = append(h.hosts, r.URL.Host)
	h.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"object":"list","data":[]}`)), Request: r}, nil
}

// TestHostileEnvCannotRedirectProbe: a base URL found in the workspace must
// not receive the key unless the user allowed its host.
func TestHostileEnvCannotRedirectProbe(t *testing.T) {
	evil := fakeprovider.New()
	evilSrv := httptest.NewServer(evil)
	defer evilSrv.Close()
	key := fakeKey("openai")
	for _, hostile := range []string{evilSrv.URL + "/v1", "https://evil.example/v1", "http://evil.example/v1"} {
		t.Run(hostile, func(t *testing.T) {
			rec := &hostRecorder{}
			p := NewProber(ProberConfig{Transport: rec})
			res := p.Probe(context.Background(), ProbeRequest{Provider: "openai", Key: key, BaseURL: hostile})
			if evil.Count("") != 0 {
				t.Fatalf("the hostile listener received %d requests", evil.Count(""))
			}
			if fmt.Sprint(rec.hosts) != "[api.openai.com]" {
				t.Errorf("requests went to %v, want only the official host", rec.hosts)
			}
			if !strings.Contains(res.Detail, "ignored") {
				t.Errorf("detail does not say the workspace URL was ignored: %q", res.Detail)
			}
		})
	}
	// Once the user allows the host, the workspace URL is used.
	evil.Set(key, evil.Scenario("openai", "valid"))
	p := NewProber(ProberConfig{AllowedHosts: []string{"127.0.0.1"}})
	if res := p.Probe(context.Background(), ProbeRequest{Provider: "openai", Key: key, BaseURL: evilSrv.URL + "/v1"}); res.Verdict != VerdictValid || evil.Count(key) != 1 {
		t.Errorf("allowed host not used: %+v", res)
	}
}

func TestProbeHeadersAndPaths(t *testing.T) {
	f := newFixture(t)
	p := NewProber(f.cfg)
	tests := []struct {
		req        ProbeRequest
		method     string
		path       string
		header     string
		headerWant string
	}{
		{ProbeRequest{Provider: "openai", Key: fakeKey("openai"), Project: "proj_abc", Organization: "org-xyz"}, "GET", "/v1/models", "OpenAI-Project", "proj_abc"},
		{ProbeRequest{Provider: "openai", Key: fakeKey("openai"), Organization: "org-xyz"}, "GET", "/v1/models", "OpenAI-Organization", "org-xyz"},
		{ProbeRequest{Provider: "openai", Key: "sk-admin-" + fakeKey("x")[8:]}, "GET", "/v1/organization/projects", "Authorization", "Bearer "},
		{ProbeRequest{Provider: "anthropic", Key: fakeKey("anthropic")}, "GET", "/v1/models", "anthropic-version", "2023-06-01"},
		{ProbeRequest{Provider: "gemini", Key: fakeKey("gemini")}, "GET", "/v1beta/models", "x-goog-api-key", "AIza"},
		{ProbeRequest{Provider: "huggingface", Key: fakeKey("huggingface")}, "GET", "/api/whoami-v2", "Authorization", "Bearer hf_"},
		{ProbeRequest{Provider: "groq", Key: fakeKey("groq")}, "GET", "/openai/v1/models", "Authorization", "Bearer gsk_"},
	}
	for _, tt := range tests {
		t.Run(tt.req.Provider+tt.path, func(t *testing.T) {
			p.Probe(context.Background(), tt.req)
			var got *fakeprovider.Request
			for _, r := range f.fp.Requests() {
				if r.Key == tt.req.Key {
					got = &r
				}
			}
			if got == nil {
				t.Fatal("no request")
			}
			if got.Method != tt.method || got.Path != tt.path || !strings.HasPrefix(got.Header.Get(tt.header), tt.headerWant) {
				t.Errorf("%s %s %s=%q", got.Method, got.Path, tt.header, got.Header.Get(tt.header))
			}
			if strings.Contains(got.Query, tt.req.Key) {
				t.Errorf("key in query")
			}
		})
	}
}

func TestProbeSkippedAndBadEndpoint(t *testing.T) {
	f := newFixture(t)
	f.cfg.Endpoints["groq"] = "http://example.com/openai/v1"
	p := NewProber(f.cfg)
	if r := p.Probe(context.Background(), ProbeRequest{Provider: "cohere", Key: "abc"}); r.Verdict != VerdictSkipped || r.Detail == "" {
		t.Errorf("unknown provider: %+v", r)
	}
	if r := p.Probe(context.Background(), ProbeRequest{Provider: "groq", Key: fakeKey("groq")}); r.Verdict != VerdictUnknown || !strings.Contains(r.Detail, "loopback") {
		t.Errorf("http to a non-loopback host: %+v", r)
	}
	if n := f.fp.Count(""); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func TestValidateEndpoint(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://api.openai.com/v1", true},
		{"http://127.0.0.1:8080/v1", true},
		{"http://127.3.4.5/v1", true},
		{"http://[::1]:9/v1", true},
		{"http://localhost:9/", true},
		{"http://example.com/v1", false},
		{"http://10.0.0.1/v1", false},
		{"ftp://127.0.0.1/", false},
		{"https://user:pw@api.openai.com/v1", false},
		{"https://api.openai.com/v1?x=1", false},
		{"not a url", false},
		{"", false},
	}
	for _, tt := range tests {
		if _, err := ValidateEndpoint(tt.url); (err == nil) != tt.ok {
			t.Errorf("ValidateEndpoint(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func TestCheckQuota(t *testing.T) {
	f := newFixture(t)
	p := NewProber(f.cfg)
	oa := fakeKey("openai")
	f.fp.Set(oa, f.fp.Scenario("openai", "no credit"))
	an := fakeKey("anthropic")
	f.fp.Set(an, fakeprovider.Response{Status: 400, Body: []byte(`{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}`)})
	for _, req := range []ProbeRequest{{Provider: "openai", Key: oa}, {Provider: "anthropic", Key: an}} {
		if r := p.CheckQuota(context.Background(), req); r.Verdict != VerdictNoQuota {
			t.Errorf("%s: %q (%s)", req.Provider, r.Verdict, r.Detail)
		}
	}
	paths := map[string]string{}
	for _, r := range f.fp.Requests() {
		paths[r.Method+" "+r.Path] = r.Key
	}
	if paths["POST /v1/chat/completions"] != oa || paths["POST /v1/messages"] != an {
		t.Errorf("quota requests: %v", paths)
	}
	// The quota check never fills the probe cache.
	if _, ok := p.Cached(diagnostics.Fingerprint(oa)); ok {
		t.Errorf("quota result cached")
	}
}
