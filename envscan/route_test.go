package envscan

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan/fakeprovider"
)

// shapedKey builds a key of prefix + n characters from alphabet, at run
// time, from a fixed seed (no key-shaped literal in the source).
func shapedKey(seed uint64, prefix, alphabet string, n int) string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var b strings.Builder
	b.WriteString(prefix)
	for range n {
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	mixedAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	lowerHex   = "0123456789abcdef"
)

// Every rule of the shared-shape table is a rule of the detector, and a key
// of its shape is classed by it.
func TestSharedShapeRules(t *testing.T) {
	shapes := map[string]string{
		"deepseek-api-key":   shapedKey(1, "sk-", lowerAlnum, 32),
		"sk-48-key":          shapedKey(2, "sk-", mixedAlnum, 48),
		"elevenlabs-api-key": shapedKey(3, "sk_", lowerHex, 48),
	}
	for rule := range sharedShapes {
		key, ok := shapes[rule]
		if !ok {
			t.Errorf("no example key for shared shape %s", rule)
			continue
		}
		m, ok := diagnostics.Default.Identify(key)
		// The provider label may be the likely one or neutral (sk-48);
		// the rule id is what the table keys on.
		if !ok || m.Rule != rule {
			t.Errorf("%s: the detector classes %s as %+v (ok %v)", rule, diagnostics.Mask(key), m, ok)
		}
	}
}

// A key of a shared shape is probed only where its context names the
// provider; elsewhere it is skipped with a reason and sent nowhere.
func TestSharedShapeRouting(t *testing.T) {
	key := shapedKey(7, "sk-", lowerAlnum, 32)
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	fp.Set(key, fp.Scenario("openai", "valid"))
	tests := []struct {
		env   string
		probe bool
	}{
		{"DASHSCOPE_API_KEY=" + key, false},
		{"LITELLM_MASTER_KEY=" + key, false},
		{"MY_COMPANY_INTERNAL_TOKEN=" + key, false},
		{"OPENAI_API_KEY=" + key, false},
		{"DEEPSEEK_BASE_URL=https://api.deepseek.com\nDASHSCOPE_API_KEY=" + key, false}, // another variable's base URL says nothing
		{"DEEPSEEK_API_KEY=" + key, true},
		{"deepseek_key=" + key, true},
		{"OPENAI_BASE_URL=https://api.deepseek.com/v1\nOPENAI_API_KEY=" + key, true},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.env, key, "KEY"), func(t *testing.T) {
			prober := NewProber(ProberConfig{Endpoints: map[string]string{"deepseek": srv.URL}, MaxRetries: -1})
			before := fp.Count("")
			rep := CheckData(context.Background(), []CheckInput{{Path: "x.env", Data: []byte(tt.env + "\n")}}, prober, CheckOptions{Probe: true})
			if len(rep.Results) != 1 {
				t.Fatalf("results %+v", rep.Results)
			}
			res := rep.Results[0]
			sent := fp.Count("") - before
			if tt.probe {
				if sent != 1 || res.Verdict != VerdictValid {
					t.Errorf("want probed: %d requests, %+v", sent, res)
				}
				return
			}
			if sent != 0 || res.Verdict != VerdictSkipped || res.Code != CodeSharedShape || !strings.Contains(res.Detail, "DEEPSEEK_API_KEY") {
				t.Errorf("want skipped with a reason and nothing sent: %d requests, %+v", sent, res)
			}
		})
	}
}

func TestRouteKeyOnlySharedShapes(t *testing.T) {
	if r := RouteKey("openai-project-key", "openai", "WHATEVER"); r != "" {
		t.Errorf("a provider-unique shape was held back: %s", r)
	}
	if r := RouteKey("deepseek-api-key", "deepseek", "X", "client = OpenAI(base_url=\"https://api.deepseek.com\")"); r != "" {
		t.Errorf("an SDK call naming the provider did not confirm it: %s", r)
	}
}

// The Prober itself holds back a shared-shape key whose request names no
// provider, whoever built the request (scan --verify, a future caller).
func TestProberGatesSharedShapes(t *testing.T) {
	key := shapedKey(9, "sk-", lowerAlnum, 32)
	fp := fakeprovider.New()
	srv := httptest.NewServer(fp)
	defer srv.Close()
	fp.Set(key, fp.Scenario("openai", "valid"))
	p := NewProber(ProberConfig{Endpoints: map[string]string{"deepseek": srv.URL}, MaxRetries: -1, RequestsPerSecond: -1})
	if r := p.Probe(context.Background(), ProbeRequest{Provider: "deepseek", Key: key}); r.Verdict != VerdictSkipped || r.Code != CodeSharedShape || fp.Count("") != 0 {
		t.Errorf("no context: %+v, %d requests", r, fp.Count(""))
	}
	if r := p.Probe(context.Background(), ProbeRequest{Provider: "deepseek", Key: key, Context: []string{`OpenAI(base_url="https://api.deepseek.com")`}}); r.Verdict != VerdictValid || fp.Count("") != 1 {
		t.Errorf("SDK call naming DeepSeek: %+v, %d requests", r, fp.Count(""))
	}
}
