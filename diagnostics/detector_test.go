package diagnostics

import (
	"bytes"
	"strings"
	"testing"
)

const (
	testOpenAIKey = "sk-proj-Jq8s2LkR7vTn4WcXbA1mZ0pY5uGdHe3iQfKoNrSt6VwBT3BlbkFJ9xCzD2yEaF7gHjK4lM1nP0qRsT5uVwXyZ8bAcD3eFgH"
	testGroqKey   = "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"
)

func TestAllowComments(t *testing.T) {
	tests := []struct {
		name, text string
		want       int
	}{
		{"no comment", `key = "` + testGroqKey + `"`, 1},
		{"keyguard same line", `key = "` + testGroqKey + `"  # keyguard:allow`, 0},
		{"gitleaks same line", `key = "` + testGroqKey + `" // gitleaks:allow`, 0},
		{"detect-secrets pragma", `key = "` + testGroqKey + `"  # pragma: allowlist secret`, 0},
		{"previous line", "# keyguard:allow\nkey = \"" + testGroqKey + "\"", 0},
		{"two lines above does not count", "# keyguard:allow\n\nkey = \"" + testGroqKey + "\"", 1},
		{"next line does not count", "key = \"" + testGroqKey + "\"\n# keyguard:allow", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := len(Default.Scan("a.py", []byte(tt.text))); got != tt.want {
				t.Errorf("got %d findings, want %d", got, tt.want)
			}
		})
	}
}

func TestPathContext(t *testing.T) {
	line := []byte("OPENAI_API_KEY=" + testOpenAIKey + "\n")
	public := []byte("NEXT_PUBLIC_OPENAI_API_KEY=" + testOpenAIKey + "\n")
	tests := []struct {
		path     string
		content  []byte
		want     int
		wantCode Code
	}{
		{".env", line, 0, ""},
		{"app/.env.local", line, 0, ""},
		{".env.production", line, 0, ""},
		{".env.example", line, 1, CodeHardcodedKey},
		{".env.sample", line, 1, CodeHardcodedKey},
		{"config.py", line, 1, CodeHardcodedKey},
		{"components/Chat.tsx", []byte(`const k = "` + testOpenAIKey + `";`), 1, CodeClientSideKey},
		{"App.vue", []byte(`apiKey: '` + testOpenAIKey + `'`), 1, CodeClientSideKey},
		{"index.html", []byte(`<script>const k="` + testOpenAIKey + `"</script>`), 1, CodeClientSideKey},
		{"next.config.js", []byte(`NEXT_PUBLIC_OPENAI_API_KEY: "` + testOpenAIKey + `",`), 1, CodeClientSideKey},
		{"vite.ts", []byte(`const VITE_OPENAI_KEY = "` + testOpenAIKey + `"`), 1, CodeClientSideKey},
		// A NEXT_PUBLIC_ key in .env is inlined into the browser bundle.
		{".env.local", public, 1, CodeClientSideKey},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			fs := Default.Scan(tt.path, tt.content)
			if len(fs) != tt.want {
				t.Fatalf("got %d findings %v, want %d", len(fs), formats(fs), tt.want)
			}
			if tt.want > 0 {
				f := fs[0]
				if f.Code != tt.wantCode {
					t.Errorf("code = %s, want %s", f.Code, tt.wantCode)
				}
				if f.Code == CodeClientSideKey && (f.Rule != "client-side-key" || f.Format != "openai-project-key" || f.Severity != SeverityError) {
					t.Errorf("client-side finding: rule=%s format=%s severity=%v", f.Rule, f.Format, f.Severity)
				}
			}
		})
	}
	if fs := New(Options{DisableClientSide: true}).Scan("Chat.tsx", []byte(`k = "`+testOpenAIKey+`"`)); len(fs) != 1 || fs[0].Code != CodeHardcodedKey {
		t.Errorf("DisableClientSide: got %v", fs)
	}
}

func TestVarName(t *testing.T) {
	tests := []struct{ text, want string }{
		{`OPENAI_API_KEY = "` + testGroqKey + `"`, "OPENAI_API_KEY"},
		{`const groqKey = '` + testGroqKey + `';`, "groqKey"},
		{`  apiKey: "` + testGroqKey + `",`, "apiKey"},
		{`os.environ["GROQ_API_KEY"] = "` + testGroqKey + `"`, "GROQ_API_KEY"},
		{`"groq_key": "` + testGroqKey + `"`, "groq_key"},
		{`openai.api_key = '` + testGroqKey + `'`, "api_key"},
		{`export GROQ_API_KEY=` + testGroqKey, "GROQ_API_KEY"},
		{`key := "` + testGroqKey + `"`, "key"},
		{`$apiKey = '` + testGroqKey + `';`, "apiKey"},
		{`client = Groq(api_key="` + testGroqKey + `")`, "api_key"},
		{`props.set("groq-api-key", "` + testGroqKey + `")`, "groq-api-key"},
		{`print("` + testGroqKey + `")`, ""},
	}
	for _, tt := range tests {
		fs := Default.Scan("a.txt", []byte(tt.text))
		if len(fs) != 1 {
			t.Errorf("%s: got %d findings", tt.text, len(fs))
			continue
		}
		if fs[0].VarName != tt.want {
			t.Errorf("%s: VarName = %q, want %q", tt.text, fs[0].VarName, tt.want)
		}
	}
}

func TestFindingFields(t *testing.T) {
	content := []byte("x\n  k = \"" + testOpenAIKey + "\"\n")
	fs := Default.Scan("a.py", content)
	if len(fs) != 1 {
		t.Fatalf("got %v", formats(fs))
	}
	f := fs[0]
	if f.Key != testOpenAIKey || string(content[f.Start:f.End]) != testOpenAIKey {
		t.Errorf("Key/Start/End do not match the content")
	}
	if f.Line != 2 || f.Column != 8 || f.EndLine != 2 || f.EndColumn != 8+len(testOpenAIKey) {
		t.Errorf("position %d:%d-%d:%d", f.Line, f.Column, f.EndLine, f.EndColumn)
	}
	if f.Secret != "sk-pro…eFgH" {
		t.Errorf("Secret = %q", f.Secret)
	}
	if strings.Contains(f.Secret, testOpenAIKey[6:len(testOpenAIKey)-4]) {
		t.Errorf("masked secret leaks the middle of the key")
	}
	if len(f.Fingerprint) != 16 || f.Fingerprint != Fingerprint(testOpenAIKey) {
		t.Errorf("Fingerprint = %q", f.Fingerprint)
	}
	if f.Provider != "openai" || f.Code != CodeHardcodedKey || f.Severity != SeverityWarning {
		t.Errorf("provider=%s code=%s severity=%v", f.Provider, f.Code, f.Severity)
	}
}

func TestMask(t *testing.T) {
	tests := map[string]string{
		"sk-proj-abcdefghijklmnop1234": "sk-pro…1234",
		"short":                        "…",
		"exactly12chr":                 "…",
		"thirteen-chrs":                "thirte…chrs",
	}
	for in, want := range tests {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIdentify(t *testing.T) {
	tests := []struct {
		name, value string
		provider    string
	}{
		{"", testOpenAIKey, "openai"},
		{"", testGroqKey, "groq"},
		{"", "sk-ant-api03-jSq6OMjv1syXaEUE0bvOckLe_GtCKy8lvZdko3eOJgV8TH-f2iyzRekyZNSby5d9ScikGYuqQhsrxML3X3N3rQ-XwQaQAAA", "anthropic"},
		{"", "your-api-key", ""},
		{"", "Bearer " + testGroqKey, ""}, // not the whole value
		{"MISTRAL_API_KEY", "olI6zlb3F0jO8jjDQUi34skQLPzvox84", "mistral"},
		{"", "olI6zlb3F0jO8jjDQUi34skQLPzvox84", ""},
	}
	for _, tt := range tests {
		m, ok := Default.IdentifyVar(tt.name, tt.value)
		if ok != (tt.provider != "") || m.Provider != tt.provider {
			t.Errorf("IdentifyVar(%q, %q) = %+v, %v; want %q", tt.name, Mask(tt.value), m, ok, tt.provider)
		}
	}
}

func TestHugeLinesAndBadBytes(t *testing.T) {
	// A 2 MB minified line with keys at both ends and NUL / invalid UTF-8 in
	// between: found, with the right columns.
	var b bytes.Buffer
	b.WriteString(`var a="` + testGroqKey + `";`)
	for b.Len() < 2<<20 {
		b.WriteString("function(e){return e.map(t=>t.sk-1)}\x00\xff\xfe;")
	}
	tail := b.Len() + len(`var z="`)
	b.WriteString(`var z="` + testOpenAIKey + `";`)
	fs := Default.Scan("bundle.min.js", b.Bytes())
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2", len(fs))
	}
	if fs[1].Start != tail || fs[1].Line != 1 || fs[1].Column != tail+1 {
		t.Errorf("tail key at %d (line %d col %d), want %d", fs[1].Start, fs[1].Line, fs[1].Column, tail)
	}
	for _, in := range [][]byte{nil, {}, {0}, []byte("\xff"), []byte("sk-"), []byte("AIza"), []byte("azure"), []byte(strings.Repeat("a", 40) + ".")} {
		_ = Default.Scan("x", in)
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte(`OPENAI_API_KEY="`+testOpenAIKey+`"`), "a.py")
	f.Add([]byte("azure key = 1bb7dff73fe449de829363ea03bab134"), ".env.example")
	f.Add([]byte("\xffsk-ant-api03-\x00AIza"), "x.tsx")
	f.Fuzz(func(t *testing.T, content []byte, path string) {
		fs := Default.Scan(path, content)
		idx := NewLineIndex(content)
		last := -1
		for _, f := range fs {
			if f.Start < 0 || f.End > len(content) || f.Start >= f.End {
				t.Fatalf("range %d-%d outside content of %d bytes", f.Start, f.End, len(content))
			}
			if f.Start < last {
				t.Fatalf("findings out of order or overlapping")
			}
			last = f.End
			if f.Key != string(content[f.Start:f.End]) {
				t.Fatalf("Key is not content[Start:End]")
			}
			l, c := idx.Position(f.Start)
			if f.Line != l+1 || f.Column != c+1 {
				t.Fatalf("line/column %d:%d, index says %d:%d", f.Line, f.Column, l+1, c+1)
			}
			el, ec := idx.Position(f.End)
			if f.EndLine != el+1 || f.EndColumn != ec+1 {
				t.Fatalf("end line/column %d:%d, index says %d:%d", f.EndLine, f.EndColumn, el+1, ec+1)
			}
			if f.Format == "" || f.Provider == "" || f.Code == "" {
				t.Fatalf("finding without format/provider/code: %+v", f)
			}
			if f.Secret != Mask(f.Key) || f.Fingerprint != Fingerprint(f.Key) {
				t.Fatalf("mask or fingerprint inconsistent")
			}
		}
	})
}

// A key of one provider in a file that mentions another provider keeps its
// own provider: prefix rules win over context rules.
func TestSpecificRuleWins(t *testing.T) {
	ant := "sk-ant-api03-jSq6OMjv1syXaEUE0bvOckLe_GtCKy8lvZdko3eOJgV8TH-f2iyzRekyZNSby5d9ScikGYuqQhsrxML3X3N3rQ-XwQaQAAA"
	text := "from openai import OpenAI\nclaude = Anthropic(api_key=\"" + ant + "\")\n"
	fs := Default.Scan("app.py", []byte(text))
	if len(fs) != 1 || fs[0].Provider != "anthropic" || fs[0].Format != "anthropic-api-key" {
		t.Fatalf("got %v, want one anthropic-api-key", formats(fs))
	}
	bad := "sk-ant-api03-abc123xyz-456def789ghij-klmnopqrstuvwx-3456yza789bcde-1234fghijklmnopby56aaaogaopaaaabc123xyzBB"
	if fs := Default.Scan("app.py", []byte("import openai\nkey = \""+bad+"\"\n")); len(fs) != 0 {
		t.Errorf("malformed Anthropic key near 'openai' reported as %v", formats(fs))
	}
}

func TestGenericRule(t *testing.T) {
	const value = "Zq83kLmWp0x9RtYv2BnC7dFh4JsGa6Ue"
	tests := []struct {
		text string
		want bool
	}{
		{`PAYMENTS_API_KEY = "` + value + `"`, true},
		{`SLACK_BOT_TOKEN: "` + value + `"`, true},
		{`client_secret = '` + value + `'`, true},
		{"PAYMENTS_API_KEY=" + value + "\n", true},
		{`AZURE_OPENAI_API_KEY = "` + value + "Hq5Tn2Wx8Kd4Pz7Lm1Rc6Vb9Gf3Js0Ya8Ne5Qu2Xo7Ti4" + `"`, true}, // 84-character Azure keys: not the 32-hex rule's
		{`csrf_token = "` + value + `"`, false},
		{`next_page_token = "` + value + `"`, false},
		{`MISTRAL_TOKEN = "` + value[:28] + `"`, false}, // the Mistral rule's to judge
		{`api_token = "xai-` + value + `"`, false},      // starts like an xAI key
		{`api_key = "/etc/keys/` + value + `/key.pem"`, false},
		{`api_key = make_key(` + value + `)`, false},
		{"NL80211_ATTR_TDLS_DIALOG_TOKEN = C.NL80211_ATTR_TDLS_DIALOG_TOKEN\n", false},
		{"NL80211_WOWLAN_TCP_DATA_PAYLOAD_TOKEN = NL80211_WOWLAN_TCP_DATA_PAYLOAD_TOKEN_2\n", false},
		{"api_token: 8f3a9c2e71b04d5fa6e9c3b2d1f0e8a7\n", true},
		{"#yaml api_token: 8f3a9c2e71b04d5fa6e9c3b2d1f0e8a7\n", true},
		{"const apiKey = usesExplicitSigV4Auth\n", false},
		// Secrets of analytics and search services stay secrets.
		{"algolia_admin_api_key = \"" + value + "\"\n", true},
		{"import posthog\nPOSTHOG_PERSONAL_API_KEY = \"phx_" + value + "\"\n", true},
		{"from mixpanel import Mixpanel\nMIXPANEL_SECRET_KEY = \"" + value + "\"\n", true},
		{"from mixpanel import Mixpanel\nMIXPANEL_PROJECT_TOKEN = \"" + value + "\"\n", false},
		{"ALGOLIA_APP_ID=NBR0FXJNGW\nSTRIPE_API_KEY=" + value + "\n", true}, // another service's key near Algolia's
		// A declaration's unquoted value is code, however random it looks.
		{"const apiKey = q8Zr2LwX9vKp4TnB7mYc1HsD6fJg3Ae5\n", false},
		{"private static final String API_KEY = q8Zr2LwX9vKp4TnB7mYc1HsD6fJg3Ae5\n", false},
		{`"output_token": "DistributionList.NextMarker"`, false},
		{`ENV_VAR_AUTH_TOKEN = 'AWS_CONTAINER_AUTHORIZATION_TOKEN'`, false},
		{`"access_token":"2YotnFZFEjr1zCsicMWpAA"`, false}, // RFC 6749's example
	}
	for _, tt := range tests {
		path := "settings.py"
		if text, ok := strings.CutPrefix(tt.text, "#yaml "); ok {
			path, tt.text = "settings.yaml", text
		}
		fs := Default.Scan(path, []byte(tt.text))
		got := len(fs) == 1 && fs[0].Provider == "generic" && fs[0].Severity == SeverityInfo
		if got != tt.want || (!tt.want && len(fs) != 0) {
			t.Errorf("%s: got %v, want generic finding = %v", tt.text, formats(fs), tt.want)
		}
	}
}
