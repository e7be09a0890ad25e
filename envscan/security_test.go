package envscan

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
)

func TestScrubberForms(t *testing.T) {
	long := oaKey
	short := long[:40] // a secret that is a prefix of another
	sc := NewScrubber("  "+long+"  ", short, "tiny", "")
	tests := []struct{ in, leak string }{
		{"echo " + long + " end", long},
		{"trimmed echo:" + strings.TrimSpace(long), long},
		{"query ?k=" + url.QueryEscape(long), long},
		{"path /" + url.PathEscape(long) + "/v1", long},
		{"the shorter one " + short + "!", short},
		{"base64 " + base64.StdEncoding.EncodeToString([]byte(long)), base64.StdEncoding.EncodeToString([]byte(long))[:40]},
		{"basic " + base64.StdEncoding.EncodeToString([]byte("user:"+long)), base64.StdEncoding.EncodeToString([]byte("user:" + long))[12:52]},
		{"jwt-ish " + base64.RawURLEncoding.EncodeToString([]byte(`{"k":"`+long+`"}`)), base64.RawURLEncoding.EncodeToString([]byte(`{"k":"` + long + `"}`))[12:52]},
		{"hex " + hex.EncodeToString([]byte(long)), hex.EncodeToString([]byte(long))[:40]},
		{"HEX " + strings.ToUpper(hex.EncodeToString([]byte(long))), strings.ToUpper(hex.EncodeToString([]byte(long)))[:40]},
	}
	for _, tt := range tests {
		got := sc.String(tt.in)
		if strings.Contains(got, tt.leak) {
			t.Errorf("%q scrubbed to %q, still holds the secret", tt.in, got)
		}
		if !strings.Contains(got, "…") {
			t.Errorf("%q scrubbed to %q, no mask", tt.in, got)
		}
	}
	// The longer key is masked whole, not as its shorter prefix plus a tail.
	if got := sc.String(long); got != diagnostics.Mask(long) {
		t.Errorf("longest first: got %q, want %q", got, diagnostics.Mask(long))
	}
	if got := sc.String("tiny words stay"); got != "tiny words stay" {
		t.Errorf("a short value was masked: %q", got)
	}
	var nilSc *Scrubber
	if nilSc.String("x") != "x" {
		t.Error("nil scrubber changed text")
	}
}

func TestScrubberResultEveryField(t *testing.T) {
	r := Result{Provider: "openai", Code: oaKey, Detail: "d " + oaKey, RequestID: "req_" + oaKey, Endpoint: "http://127.0.0.1/" + oaKey,
		RateLimit: map[string]string{"x-ratelimit-" + oaKey: oaKey}}
	got := NewScrubber(oaKey).Result(r)
	all := strings.Join([]string{got.Provider, got.Code, got.Detail, got.RequestID, got.Endpoint}, " ")
	for k, v := range got.RateLimit {
		all += " " + k + " " + v
	}
	if strings.Contains(all, oaKey) {
		t.Errorf("result still holds the key: %+v", got)
	}
}

// A base URL built with ${} is never used, whatever it expands to.
func TestKeysToProbeRefusesExpandedBaseURL(t *testing.T) {
	for _, baseURL := range []string{
		"https://evil.test/v1?k=${OPENAI_API_KEY}",
		"http://127.0.0.1:1/${OPENAI_API_KEY}/v1",
		"\"http://${HOST}/v1\"",
		"http://$HOST/v1",
	} {
		in := "HOST=127.0.0.1:1\nOPENAI_API_KEY=" + oaKey + "\nOPENAI_BASE_URL=" + baseURL + "\n"
		kvs := KeysToProbe(Parse(".env", []byte(in)), prefixIdentify)
		if len(kvs) != 1 {
			t.Fatalf("%s: %d keys", baseURL, len(kvs))
		}
		req := kvs[0].Request
		if req.BaseURL != "" || !strings.Contains(req.BaseURLRefused, "${}") {
			t.Errorf("%s: BaseURL %q refused %q; want it refused", baseURL, req.BaseURL, req.BaseURLRefused)
		}
		p := NewProber(ProberConfig{})
		if tg := p.resolve(req); tg.base != DefaultBaseURLs["openai"] || !strings.Contains(tg.note, "expansion") {
			t.Errorf("%s: resolved to %+v, want the official host with a note", baseURL, tg)
		}
	}
	// A URL written out in full is still taken (and then gated by the
	// allowlist as before).
	kvs := KeysToProbe(Parse(".env", []byte("OPENAI_API_KEY="+oaKey+"\nOPENAI_BASE_URL=https://proxy.example/v1\n")), prefixIdentify)
	if kvs[0].Request.BaseURL != "https://proxy.example/v1" {
		t.Errorf("plain base URL not taken: %+v", kvs[0].Request)
	}
}

// Whoever sets it, a base URL holding the key is refused.
func TestResolveRefusesKeyInURL(t *testing.T) {
	req := ProbeRequest{Provider: "openai", Key: oaKey, BaseURL: "https://allowed.example/" + oaKey + "/v1"}
	p := NewProber(ProberConfig{AllowedHosts: []string{"allowed.example"}})
	if tg := p.resolve(req); tg.base != DefaultBaseURLs["openai"] {
		t.Errorf("workspace URL with the key: %+v", tg)
	}
	p = NewProber(ProberConfig{Endpoints: map[string]string{"openai": "http://127.0.0.1:1/" + url.PathEscape(oaKey)}})
	if tg := p.resolve(req); tg.err == nil {
		t.Errorf("endpoint setting with the key: %+v", tg)
	}
}

func TestHygieneReportsKeyInExpandedURL(t *testing.T) {
	in := "OPENAI_API_KEY=" + oaKey + "\nOPENAI_BASE_URL=https://evil.test/v1?k=${OPENAI_API_KEY}\nH=x.test\nGROQ_BASE_URL=https://${H}/v1\n"
	f := Parse(".env", []byte(in))
	got := map[string]string{}
	for _, is := range Hygiene(f, []byte(in), HygieneOptions{Identify: prefixIdentify}) {
		got[is.Var] = is.Check + "/" + is.Severity.String()
		if strings.Contains(is.Message, oaKey) {
			t.Errorf("message holds the key: %s", is.Message)
		}
	}
	if got["OPENAI_BASE_URL"] != CheckKeyInURL+"/error" || got["GROQ_BASE_URL"] != CheckExpandedURL+"/warning" {
		t.Errorf("issues %v", got)
	}
}

// A provider that echoes the key cut in pieces loses every piece of 16
// bytes or more; short runs (a provider's own "sk-proj-****abcd") stay.
func TestKeyScrubberFragments(t *testing.T) {
	sc := NewKeyScrubber("  " + oaKey + " ")
	half := len(oaKey) / 2
	for _, in := range []string{
		"code=" + oaKey[:half] + " type=" + oaKey[half:],
		"message: …" + oaKey[10:40] + "… truncated",
		oaKey[len(oaKey)-20:],
	} {
		got := sc.String(in)
		for i := 0; i+minFragment <= len(oaKey); i++ {
			if strings.Contains(got, oaKey[i:i+minFragment]) {
				t.Fatalf("%q scrubbed to %q: still holds %q", in, got, oaKey[i:i+minFragment])
			}
		}
	}
	for _, in := range []string{"Incorrect API key provided: sk-proj-********abcd.", "plain words, nothing of the key"} {
		if got := sc.String(in); got != in {
			t.Errorf("%q changed to %q", in, got)
		}
	}
	if got := sc.String(oaKey); got != diagnostics.Mask(oaKey) {
		t.Errorf("the whole key scrubs to %q, want its mask", got)
	}
}

// A written-out base URL that holds another secret of the same file (not
// the key being probed) is refused too, and the result does not quote it.
func TestResolveRefusesOtherSecretInURL(t *testing.T) {
	other := strings.Repeat("pW9x", 8)
	in := "DB_PASSWORD=" + other + "\nOPENAI_API_KEY=" + oaKey + "\nOPENAI_BASE_URL=https://allowed.example/" + other + "/v1\n"
	kvs := KeysToProbe(Parse(".env", []byte(in)), prefixIdentify)
	if len(kvs) != 1 {
		t.Fatalf("%d keys", len(kvs))
	}
	p := NewProber(ProberConfig{AllowedHosts: []string{"allowed.example"}})
	tg := p.resolve(kvs[0].Request)
	if tg.base != DefaultBaseURLs["openai"] || strings.Contains(tg.note, other) {
		t.Errorf("resolved to %+v", tg)
	}
}
