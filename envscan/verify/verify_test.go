package verify

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan"
	"github.com/keyguard/keyguard/envscan/fakeprovider"
)

func TestKeysOncePerFingerprint(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	// Key-shaped strings built at run time.
	k1 := "sk-proj-" + strings.Repeat("Qw3rTy7uIo9p", 6) + "T3Blbk" + "FJ" + strings.Repeat("aS2dF4gH6jK8", 6)
	k2 := "sk-proj-" + strings.Repeat("Zx1cV3bN5mL7", 6) + "T3Blbk" + "FJ" + strings.Repeat("pO9iU7yT5rE3", 6)
	fp.Set(k1, fp.Scenario("openai", "valid"))
	finding := func(k, path string) diagnostics.Finding {
		return diagnostics.Finding{Path: path, Provider: "openai", Key: k, Fingerprint: diagnostics.Fingerprint(k)}
	}
	fs := []diagnostics.Finding{finding(k1, "a.py"), finding(k2, "b.py"), finding(k1, "c.py"),
		{Path: "d.py", Provider: "openai", Fingerprint: "0000000000000000"}} // no key: never probed
	prober := envscan.NewProber(envscan.ProberConfig{Endpoints: map[string]string{"openai": srv.URL + "/v1"}})
	got := Keys(context.Background(), prober, fs)
	if len(got) != 2 || got[diagnostics.Fingerprint(k1)].Verdict != envscan.VerdictValid || got[diagnostics.Fingerprint(k2)].Verdict != envscan.VerdictInvalid {
		t.Errorf("results %+v", got)
	}
	if n := fp.Count(""); n != 2 {
		t.Errorf("%d requests for 2 distinct keys", n)
	}
	// Cancelled: nothing more is asked.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	Keys(ctx, envscan.NewProber(envscan.ProberConfig{Endpoints: map[string]string{"openai": srv.URL + "/v1"}}), fs)
	if n := fp.Count(""); n != 2 {
		t.Errorf("a cancelled verification made %d requests", n-2)
	}
}

func TestLive(t *testing.T) {
	for v, want := range map[envscan.Verdict]bool{
		envscan.VerdictValid: true, envscan.VerdictRestricted: true, envscan.VerdictNoQuota: true, envscan.VerdictRateLimited: true,
		envscan.VerdictInvalid: false, envscan.VerdictRevoked: false, envscan.VerdictUnknown: false, envscan.VerdictSkipped: false,
	} {
		if Live(v) != want {
			t.Errorf("Live(%s) = %v", v, !want)
		}
	}
	if !Undecided(envscan.VerdictUnknown) || Undecided(envscan.VerdictSkipped) {
		t.Error("Undecided")
	}
}

// Past MaxKeys distinct keys nothing more is asked, and the rest are
// unknown — undecided, so --fail-on live fails closed rather than letting
// decoys push a live key past the cap unverified.
func TestKeysCapped(t *testing.T) {
	defer func(old int) { MaxKeys = old }(MaxKeys)
	MaxKeys = 3
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	var fs []diagnostics.Finding
	for i := range 8 {
		k := "sk-proj-" + strings.Repeat("Qw3rTy7uIo9p", 6) + "T3Blbk" + "FJ" + strings.Repeat("aS2dF4gH6jK8", 5) + strings.Repeat(string(rune('a'+i)), 12)
		fs = append(fs, diagnostics.Finding{Path: "a.py", Provider: "openai", Key: k, Fingerprint: diagnostics.Fingerprint(k)})
	}
	prober := envscan.NewProber(envscan.ProberConfig{Endpoints: map[string]string{"openai": srv.URL + "/v1"}})
	got := Keys(context.Background(), prober, fs)
	if n := fp.Count(""); n != 3 {
		t.Errorf("%d requests, want 3 (the cap)", n)
	}
	unknown := 0
	for _, f := range fs {
		r := got[f.Fingerprint]
		if Undecided(r.Verdict) && strings.Contains(r.Detail, "more than 3 distinct keys") {
			unknown++
		}
	}
	if len(got) != 8 || unknown != 5 {
		t.Errorf("%d results, %d undecided past the cap; want 8 and 5", len(got), unknown)
	}
}

// A key of a shared shape is routed by the lines it was found on: probed
// once if any of them names its provider, with that finding's provider
// label; skipped and sent nowhere if none does or no line is known
// (a binary file).
func TestKeysRouteSharedShapeByLine(t *testing.T) {
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	// sk- + 32 lower-case alphanumerics (DeepSeek's shape, also
	// DashScope's and LiteLLM's), built at run time.
	key := "sk-" + strings.Repeat("q7", 4) + "m3x9z2v8" + strings.Repeat("k4t1", 4)
	if m, ok := diagnostics.Default.Identify(key); !ok || m.Rule != "deepseek-api-key" {
		t.Fatalf("test key classed %+v", m)
	}
	fp.Set(key, fp.Scenario("openai", "valid"))
	at := func(provider, line string) diagnostics.Finding {
		return diagnostics.Finding{Provider: provider, Key: key, Fingerprint: diagnostics.Fingerprint(key), Context: line}
	}
	neutral := at("deepseek", `token = "`+key+`"`)
	named := at("deepseek", `client = OpenAI(api_key="`+key+`", base_url="https://api.deepseek.com")`)
	tests := []struct {
		name string
		fs   []diagnostics.Finding
		sent bool
	}{
		{"no line", []diagnostics.Finding{at("deepseek", "")}, false},
		{"neutral", []diagnostics.Finding{neutral, neutral}, false},
		{"named", []diagnostics.Finding{named}, true},
		{"neutral then named", []diagnostics.Finding{neutral, at("deepseek", ""), named, neutral}, true},
		{"named then neutral", []diagnostics.Finding{named, neutral}, true},
		// The routing line's own label goes with it: a line naming
		// DeepSeek does not send the key under another finding's label.
		{"other label first", []diagnostics.Finding{at("dashscope", `k = "`+key+`"`), named}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fp.Count(key)
			prober := envscan.NewProber(envscan.ProberConfig{Endpoints: map[string]string{"deepseek": srv.URL + "/v1"}, MaxRetries: -1})
			got := Keys(context.Background(), prober, tt.fs)
			r := got[diagnostics.Fingerprint(key)]
			sent := fp.Count(key) - before
			if len(got) != 1 {
				t.Fatalf("results %+v", got)
			}
			if tt.sent && (sent != 1 || r.Verdict != envscan.VerdictValid || r.Provider != "deepseek") {
				t.Errorf("want one request to deepseek: %d requests, %+v", sent, r)
			}
			if !tt.sent && (sent != 0 || r.Verdict != envscan.VerdictSkipped || r.Code != envscan.CodeSharedShape) {
				t.Errorf("want skipped, nothing sent: %d requests, %+v", sent, r)
			}
			if strings.Contains(r.Detail, key) {
				t.Errorf("detail holds the key: %s", r.Detail)
			}
		})
	}
}
