package diagnostics

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
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
