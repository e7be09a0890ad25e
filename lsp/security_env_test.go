package lsp_test

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyguard/keyguard/envscan"
	"github.com/keyguard/keyguard/envscan/fakeprovider"
	"github.com/keyguard/keyguard/lsp"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

// Security tests of the server's .env probing (issue 10): whatever a hostile
// .env or a hostile provider does, no full key reaches a diagnostic, a
// hover, a keyguard/probeResult, the log, or a URL.

// envProbeTrap is the probes' transport in these tests: loopback requests go
// through, anything else is recorded and refused, so no test reaches the
// network and a test can see where a probe meant to go.
type envProbeTrap struct {
	mu      sync.Mutex
	refused []string
}

func (l *envProbeTrap) RoundTrip(r *http.Request) (*http.Response, error) {
	if ip := net.ParseIP(r.URL.Hostname()); ip == nil || !ip.IsLoopback() {
		l.mu.Lock()
		l.refused = append(l.refused, r.URL.String())
		l.mu.Unlock()
		return nil, errors.New("no network in tests")
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (l *envProbeTrap) urls() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.refused...)
}

// assertNoKey fails if key, as written or trimmed, is anywhere in texts.
func assertNoKey(t *testing.T, key, what string, texts ...string) {
	t.Helper()
	for _, form := range []string{key, strings.TrimSpace(key)} {
		for _, s := range texts {
			if strings.Contains(s, form) {
				t.Errorf("%s holds the full key:\n%s", what, s)
				return
			}
		}
	}
}

// assertNoEncodedKey fails if 32 characters in a row (24 bytes of the key)
// of what hostileEcho sends back re-encoded are in out.
func assertNoEncodedKey(t *testing.T, key, out string) {
	t.Helper()
	for _, enc := range []string{base64.StdEncoding.EncodeToString([]byte("user:" + key)), hex.EncodeToString([]byte(key))} {
		for i := 0; i+32 <= len(enc); i++ {
			if strings.Contains(out, enc[i:i+32]) {
				t.Errorf("the server wrote the key re-encoded (%q):\n%s", enc[i:i+32], out)
				return
			}
		}
	}
}

func assertNoKeyInRequests(t *testing.T, key string, fp *fakeprovider.Server, trap *envProbeTrap) {
	t.Helper()
	for _, r := range fp.Requests() {
		assertNoKey(t, key, "a URL the loopback provider received", r.Path, r.Query, r.Host)
	}
	assertNoKey(t, key, "a URL a probe was sent to", strings.Join(trap.urls(), "\n"))
}

// Item 1: OPENAI_BASE_URL=http://127.0.0.1:P/${OPENAI_API_KEY}/v1 with the
// loopback host allowed must neither send the key in the URL nor show it.
func TestEnvBaseURLExpansionCarriesNoKey(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	key := Key("openai")
	fp.Set(key, fp.Scenario("openai", "valid"))
	trap := &envProbeTrap{}
	env := New(t, "-- .gitignore --\n.env\n-- .env --\nOPENAI_API_KEY={{openai}}\nOPENAI_BASE_URL="+srv.URL+"/${OPENAI_API_KEY}/v1\n",
		WithInitializationOptions(map[string]any{"probe": map[string]any{"allowedHosts": []string{"127.0.0.1"}}}),
		WithServerOptions(func(o *lsp.Options) { o.ProberConfig.Transport = trap; o.ProberConfig.MaxRetries = -1 }))
	env.Initialize()
	env.Open(".env")
	env.Await(ProbeResult("unknown"), Diagnostics(".env", Code("env-format"), MessageContains("OPENAI_BASE_URL")))
	hover := env.Hover(".env", pos(0, 20))
	if !strings.Contains(hover, "keyguard") {
		t.Errorf("no hover on the key: %q", hover)
	}
	var rep struct {
		Results []struct{ Verdict, Detail, Endpoint string } `json:"results"`
	}
	if err := env.ExecuteCommand(lsp.CommandCheckEnv, nil, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Verdict == "valid" {
		t.Errorf("checkEnv %+v: the probe must not have gone through the refused URL", rep.Results)
	}
	assertNoKey(t, key, "what the server wrote (diagnostics, hover, probeResult, checkEnv)", env.Wrote(), hover)
	assertNoKey(t, key, "the server log", env.Log())
	assertNoKeyInRequests(t, key, fp, trap)
	if n := fp.Count(""); n != 0 {
		t.Errorf("the loopback listener got %d requests through a base URL built with ${}", n)
	}
	for _, u := range trap.urls() {
		if !strings.HasPrefix(u, "https://api.openai.com/v1/") {
			t.Errorf("a probe went to %s, not the official host", u)
		}
	}
}

// hostileEcho answers every probe with status, echoing the key it received
// (trimmed, as HTTP delivers it) in the error body's every field and in the
// request-id and rate-limit headers.
func hostileEcho(status int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("x-api-key")
		if key == "" {
			key = strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer"))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-request-id", "req_"+key)
		w.Header().Set("x-ratelimit-remaining-requests", key)
		w.Header().Set("x-ratelimit-"+key, "1")
		w.Header().Set("retry-after-ms", "1")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"type":"error","error":{"message":"key ` + key + ` is wrong (Authorization: Basic ` +
			base64.StdEncoding.EncodeToString([]byte("user:"+key)) + `, digest ` + hex.EncodeToString([]byte(key)) +
			`)","type":"` + key + `","code":"` + key + `"}}`))
	})
}

// Item 2 in the server: hover, diagnostics and keyguard/probeResult of keys
// (written with surrounding spaces) that a hostile provider echoes.
func TestEnvHostileProviderEchoIsScrubbed(t *testing.T) {
	for _, status := range []int{401, 418, 429} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := httptest.NewServer(hostileEcho(status))
			defer srv.Close()
			trap := &envProbeTrap{}
			env := New(t, "-- .gitignore --\n.env\n-- .env --\nOPENAI_API_KEY=\"  {{openai}}  \"\nANTHROPIC_API_KEY=\" {{anthropic}} \"\n",
				WithInitializationOptions(map[string]any{"endpoints": map[string]string{"openai": srv.URL + "/v1", "anthropic": srv.URL}}),
				WithServerOptions(func(o *lsp.Options) { o.ProberConfig.Transport = trap; o.ProberConfig.MaxRetries = -1 }))
			env.Initialize()
			env.Open(".env")
			env.Await(Expectation{Description: "two probe results", Check: func(s State) bool { return len(s.ProbeResults) >= 2 }})
			hovers := env.Hover(".env", pos(0, 22)) + env.Hover(".env", pos(1, 22))
			if !strings.Contains(hovers, "request id") {
				t.Errorf("hover shows no request id (masked is fine):\n%s", hovers)
			}
			for _, k := range []string{Key("openai"), Key("anthropic")} {
				assertNoKey(t, k, "what the server wrote (diagnostics, hover, probeResult)", env.Wrote(), hovers)
				assertNoKey(t, k, "the server log", env.Log())
				assertNoEncodedKey(t, k, env.Wrote()+hovers+env.Log())
			}
			if len(trap.urls()) != 0 {
				t.Errorf("probes left loopback: %v", trap.urls())
			}
		})
	}
}

// Item 3 in the server: a key of a shape several services share is not
// probed on open unless its variable names the provider, and the user is
// told why.
func TestEnvSharedShapeKeyIsNotSent(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	key := "sk-" + strings.Repeat("q7w2e9r4t1y6u3i8", 2) // sk- + 32 lower-case alphanumerics
	fp.Set(key, fp.Scenario("openai", "valid"))
	trap := &envProbeTrap{}
	env := New(t, "-- .gitignore --\n.env\n-- .env --\nDASHSCOPE_API_KEY="+key+"\n",
		WithInitializationOptions(map[string]any{"endpoints": map[string]string{"deepseek": srv.URL}}),
		WithServerOptions(func(o *lsp.Options) { o.ProberConfig.Transport = trap; o.ProberConfig.MaxRetries = -1 }))
	env.Initialize()
	env.Open(".env")
	env.Await(ProbeResult("skipped"), Diagnostics(".env", Code("env-key-unverified"), MessageContains("DEEPSEEK_API_KEY")))
	if n := fp.Count(""); n != 0 || len(trap.urls()) != 0 {
		t.Errorf("a shared-shape key was sent: %d to the provider, %v elsewhere", n, trap.urls())
	}
	assertNoKey(t, key, "what the server wrote", env.Wrote())
}

// manyKeys is a .env of n distinct OpenAI-shaped keys, built at run time.
func manyKeys(n int) (string, []string) {
	r := rand.New(rand.NewPCG(uint64(n), 11))
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	rnd := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = alnum[r.IntN(len(alnum))]
		}
		return string(b)
	}
	var b strings.Builder
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "sk-proj-" + rnd(40) + "T3Blbk" + "FJ" + rnd(40)
		fmt.Fprintf(&b, "OPENAI_KEY_%d=%s\n", i, keys[i])
	}
	return b.String(), keys
}

// Item 11: opening a .env of 3,000 keys fires the per-file cap of requests,
// not 3,000; the others say why they were not checked. keyguard.checkEnv,
// asked for, checks every key (paced).
func TestEnvAutomaticProbesAreCapped(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	text, keys := manyKeys(3000)
	trap := &envProbeTrap{}
	env := New(t, "-- .gitignore --\n.env\n-- .env --\n"+text+"-- small/.env --\nOPENAI_API_KEY="+keys[0]+"\n",
		WithInitializationOptions(map[string]any{"endpoints": map[string]string{"openai": srv.URL + "/v1"}}),
		WithServerOptions(func(o *lsp.Options) { o.ProberConfig.Transport = trap; o.ProberConfig.MaxRetries = -1 }))
	env.Initialize()
	opened := time.Now()
	env.Open(".env")
	// Two waits, not one: a diagnostics expectation re-checked on each of
	// 3,000 notifications would cost the client more than the server.
	env.Await(Expectation{Description: "3000 probe results", Check: func(s State) bool { return len(s.ProbeResults) >= 3000 }})
	env.Await(Diagnostics(".env", Code("env-key-unverified"), MessageContains("automatic probe cap reached")))
	t.Logf("open to cap diagnostics: %v", time.Since(opened))
	if n := fp.Count(""); n != envscan.DefaultAutoProbesPerFile {
		t.Errorf("opening a .env of 3000 keys sent %d requests, want the cap of %d", n, envscan.DefaultAutoProbesPerFile)
	}
	if len(trap.urls()) != 0 {
		t.Errorf("probes left loopback: %v", trap.urls())
	}

	// An explicit check is not capped: every key of a file gets its request.
	small, smallKeys := manyKeys(30)
	env.WriteFile("many/.env", small)
	var rep struct {
		Results []struct{ Verdict string } `json:"results"`
	}
	before := fp.Count("")
	start := time.Now()
	if err := env.ExecuteCommand(lsp.CommandCheckEnv, []any{env.URI("many/.env")}, &rep); err != nil {
		t.Fatal(err)
	}
	sent := fp.Count("") - before
	if len(rep.Results) != len(smallKeys) || sent != len(smallKeys) {
		t.Errorf("checkEnv: %d results, %d requests; want %d of each", len(rep.Results), sent, len(smallKeys))
	}
	if d := time.Since(start); d < time.Duration(sent-1)*time.Second/envscan.DefaultRequestsPerSecond-50*time.Millisecond {
		t.Errorf("%d requests in %v: faster than %d/s", sent, d, envscan.DefaultRequestsPerSecond)
	}
}

// A key held back by the cap keeps the verdict the server already had for
// it: an invalid key stays flagged invalid, it does not turn into "capped".
func TestEnvCapKeepsKnownVerdict(t *testing.T) {
	fp := fakeprovider.New() // unknown keys get the provider's "invalid key" answer
	srv := httptest.NewServer(fp)
	defer srv.Close()
	text, keys := manyKeys(25)
	last := keys[len(keys)-1]
	env := New(t, "-- .gitignore --\n.env\n-- one/.env --\nOPENAI_API_KEY="+last+"\n-- .env --\n"+text,
		WithInitializationOptions(map[string]any{"endpoints": map[string]string{"openai": srv.URL + "/v1"}, "probe": map[string]any{"ttlSeconds": 1}}),
		WithServerOptions(func(o *lsp.Options) { o.ProberConfig.Transport = &envProbeTrap{}; o.ProberConfig.MaxRetries = -1 }))
	env.Initialize()
	env.Open("one/.env")
	env.Await(Diagnostics("one/.env", Code("env-key-invalid")))
	time.Sleep(1100 * time.Millisecond) // the prober's cache of it expires; the server's verdict stays
	env.Open(".env")
	env.Await(Diagnostics(".env", Code("env-key-unverified"), MessageContains("automatic probe cap reached")),
		Diagnostics(".env", Code("env-key-invalid"), AtLine(uint32(len(keys)-1))))
}

// Item 5 in the server: a "billion laughs" .env is answered with an
// env-format diagnostic, not a frozen server.
func TestEnvBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString("L0=haha-haha!\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "L%d=%s\n", i, strings.Repeat(fmt.Sprintf("${L%d}", i-1), 10))
	}
	env := New(t, "-- .gitignore --\n.env\n-- .env --\n"+b.String())
	env.Initialize()
	start := time.Now()
	env.Open(".env")
	env.Await(Diagnostics(".env", Code("env-format"), MessageContains("was not expanded")))
	if h := env.Hover(".env", pos(0, 3)); time.Since(start) > 10*time.Second {
		t.Errorf("the server took %v (hover %q)", time.Since(start), h)
	}
}
