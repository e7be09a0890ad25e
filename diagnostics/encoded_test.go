package diagnostics

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Keys are built at run time: no committed source holds one.
var (
	encGroq   = "gsk_" + "Iw23uPOzcF3U9lY6snmaWGdyb3FY7rFwT2FFaGHtkUxnszs6TiYs"
	encOpenAI = "sk-proj-" + "Jq8s2LkR7vTn4WcXbA1mZ0pY5uGdHe3iQfKoNrSt6VwBT3BlbkFJ9xCzD2yEaF7gHjK4lM1nP0qRsT5uVwXyZ8bAcD3eFgH"
	encGemini = "AIzaSy" + "D4x9Qm2LkR7vTn4WcXbA1mZ0pY5uGdHe3"
)

func b64(s string) string    { return base64.StdEncoding.EncodeToString([]byte(s)) }
func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestScanEncoded(t *testing.T) {
	type want struct {
		key, enc, token string // token: the text the finding must span
	}
	pct := func(s string) string { // every byte %-encoded, as some clients do
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[s[i]>>4])+string("0123456789abcdef"[s[i]&15])))
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, text string
		want       []want
	}{
		{"kubernetes secret", "apiVersion: v1\nkind: Secret\ndata:\n  OPENAI_API_KEY: " + b64(encOpenAI) + "\n  other: " + b64("hello world, nothing here") + "\n",
			[]want{{encOpenAI, "base64", b64(encOpenAI)}}},
		{"kubernetes secret with newline", "data:\n  key: " + b64(encGroq+"\n") + "\n", []want{{encGroq, "base64", b64(encGroq + "\n")}}},
		{"docker config auth", `{"auths":{"registry.example.test":{"auth":"` + b64("token:"+encGroq) + `"}}}`, []want{{encGroq, "base64", b64("token:" + encGroq)}}},
		{"CI variable url-safe", "GROQ_B64=" + b64url(encGroq) + "\n", []want{{encGroq, "base64", b64url(encGroq)}}},
		{"url-encoded key", "curl 'https://api.example.test/v1/x?token=" + url.QueryEscape("=" + encGroq)[:3] + pct(encGroq[:4]) + encGroq[4:] + "&a=b'",
			[]want{{encGroq, "url", pct(encGroq[:4]) + encGroq[4:]}}},
		{"glued after an escape", "u=https://x.test/cb%3Fkey%3D" + encGemini + "%26x%3D1", []want{{encGemini, "url", encGemini}}},
		// Not keys, or keys the plain scan already reports.
		{"plain key not doubled", "k = \"" + encGroq + "\"\nurl = \"https://x.test/?k=" + encGroq + "&q=a%20b\"\n", nil},
		{"placeholder encoded", "data:\n  k: " + b64("sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") + "\n", nil},
		{"integrity hash", `"integrity": "sha512-` + b64(strings.Repeat("\x8f\x13", 32)) + `"`, nil},
		{"jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + b64url(`{"sub":"`+encGroq+`"}`) + ".c2lnbmF0dXJlc2lnbmF0dXJl", nil},
		{"hex digest", "sum = \"" + strings.Repeat("9f86d081884c7d65", 4) + "\"", nil},
		{"prose mentioning", "The %s format and 100%% of sk- keys", nil},
	} {
		plain := Default.Scan("x.yaml", []byte(tc.text))
		got := ScanEncoded("x.yaml", []byte(tc.text), plain)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d findings, want %d: %+v", tc.name, len(got), len(tc.want), got)
			continue
		}
		for i, w := range tc.want {
			f := got[i]
			if f.Key != w.key || f.Encoding != w.enc || tc.text[f.Start:f.End] != w.token || f.Secret != Mask(w.key) || f.Fingerprint != Fingerprint(w.key) {
				t.Errorf("%s: finding %+v spans %q, want key %s… %s over %q", tc.name, f, tc.text[f.Start:f.End], w.key[:8], w.enc, w.token)
			}
			if f.Line < 1 || f.Column < 1 || f.Path != "x.yaml" {
				t.Errorf("%s: position %d:%d path %q", tc.name, f.Line, f.Column, f.Path)
			}
		}
	}
}

func FuzzScanEncoded(f *testing.F) {
	f.Add("k: " + b64(encGroq))
	f.Add("x%3D" + encGemini + "%")
	f.Add("%%%41%4")
	f.Fuzz(func(t *testing.T, s string) {
		for _, fd := range ScanEncoded("f", []byte(s), nil) {
			if fd.Start < 0 || fd.End > len(s) || fd.Start >= fd.End || fd.Encoding == "" {
				t.Fatalf("bad finding %+v in %q", fd, s)
			}
		}
	})
}

// plainOverlap answers as the loop over every plain finding did, for
// overlapping, nested, unsorted and touching spans.
func TestPlainOverlap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	for range 200 {
		plain := make([]Finding, r.IntN(12))
		for i := range plain {
			s := r.IntN(100)
			plain[i] = Finding{Start: s, End: s + 1 + r.IntN(30)}
		}
		overlaps := plainOverlap(plain)
		for range 50 {
			start := r.IntN(130)
			end := start + 1 + r.IntN(20)
			want := false
			for _, p := range plain {
				if p.Start < end && start < p.End {
					want = true
				}
			}
			if got := overlaps(start, end); got != want {
				t.Fatalf("[%d,%d) over %+v: got %v, want %v", start, end, plain, got, want)
			}
		}
	}
}

// Many plain and many encoded keys in one file: the overlap test per
// encoded finding was a loop over every plain one, quadratic (30,000 of
// each in 5 MB: 8.4 s before, 0.5 s after, on the shared test machine).
func TestScanEncodedManyKeysLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 5 MB")
	}
	const n = 30000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d = \"%s%06d\"\nb%d: %s\n", i, encOpenAI[:len(encOpenAI)-6], i, i, b64(fmt.Sprintf("%s%06d", encGroq[:len(encGroq)-6], i)))
	}
	content := []byte(b.String())
	plain := make([]Finding, n)
	for i := range plain { // as the plain scan would report them, in order
		plain[i] = Finding{Start: i * 400, End: i*400 + 150}
	}
	start := time.Now()
	got := ScanEncoded("x.yaml", content, plain)
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("ScanEncoded of %d MB with %d plain findings took %v", len(content)>>20, n, d)
	}
	if len(got) == 0 {
		t.Errorf("no encoded key found")
	}
}

// Text dense with a rule's trigger ("sk-sk-sk-…") made the legacy OpenAI
// pattern's optional name group backtrack over its whole window at every
// "sk-": 3 MB took 6.6 s. A window without the literal every match holds
// ("T3BlbkFJ") is no longer tried.
func TestDenseTriggersLinear(t *testing.T) {
	for _, r := range rules {
		if (r.id == "openai-legacy-key" || r.id == "openai-project-key") && string(r.inner) != "T3Blbk"+"FJ" {
			t.Errorf("%s: inner literal %q", r.id, r.inner)
		}
	}
	for _, text := range []string{strings.Repeat("sk-", 1<<20), strings.Repeat(strings.Repeat("sk-", 100)+"\n", 10000)} {
		start := time.Now()
		fs := Default.Scan("x.txt", []byte(text))
		if d := time.Since(start); len(fs) != 0 || d > 4*time.Second {
			t.Errorf("%d findings in %v for %d MB of triggers", len(fs), d, len(text)>>20)
		}
	}
}
