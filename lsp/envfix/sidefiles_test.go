package envfix

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyguard/keyguard/diagnostics"
)

// applyChange is what an editor does with a FileChange.
func applyChange(t *testing.T, old []byte, fc *FileChange) string {
	t.Helper()
	if fc == nil {
		return string(old)
	}
	base := old
	if fc.Create {
		if old != nil {
			t.Fatalf("Create for a file that exists")
		}
		base = nil
	} else if old == nil {
		t.Fatalf("edit of a file that does not exist")
	}
	out, err := Apply(base, fc.Edits)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestEnvFile(t *testing.T) {
	const other = "sk-proj-OTHERabcdefghijklmnopqrstuvwxyzABCDEFG0123456789"
	k := func(s string) string { return strings.ReplaceAll(s, "{{KEY}}", testKey) }
	cases := []struct {
		name       string
		env        *string // nil: absent
		varName    string
		wantName   string
		wantEnv    string
		wantCreate bool
		wantReused bool
	}{
		{name: "absent", env: nil, wantName: "OPENAI_API_KEY", wantEnv: k("OPENAI_API_KEY={{KEY}}\n"), wantCreate: true},
		{name: "empty", env: ptr(""), wantName: "OPENAI_API_KEY", wantEnv: k("OPENAI_API_KEY={{KEY}}\n")},
		{name: "append", env: ptr("DEBUG=1\n"), wantName: "OPENAI_API_KEY", wantEnv: k("DEBUG=1\nOPENAI_API_KEY={{KEY}}\n")},
		{name: "no final newline", env: ptr("DEBUG=1"), wantName: "OPENAI_API_KEY", wantEnv: k("DEBUG=1\nOPENAI_API_KEY={{KEY}}\n")},
		{name: "comment without final newline", env: ptr("# keys"), wantName: "OPENAI_API_KEY", wantEnv: k("# keys\nOPENAI_API_KEY={{KEY}}\n")},
		{name: "CRLF", env: ptr("DEBUG=1\r\nPORT=80\r\n"), wantName: "OPENAI_API_KEY", wantEnv: k("DEBUG=1\r\nPORT=80\r\nOPENAI_API_KEY={{KEY}}\r\n")},
		{name: "CRLF without final newline", env: ptr("DEBUG=1\r\nPORT=80"), wantName: "OPENAI_API_KEY", wantEnv: k("DEBUG=1\r\nPORT=80\r\nOPENAI_API_KEY={{KEY}}\r\n")},
		{name: "same name same value reused", env: ptr(k("OPENAI_API_KEY={{KEY}}\n")), wantName: "OPENAI_API_KEY", wantEnv: k("OPENAI_API_KEY={{KEY}}\n"), wantReused: true},
		{name: "same name quoted same value reused", env: ptr(k("export OPENAI_API_KEY=\"{{KEY}}\"\n")), wantName: "OPENAI_API_KEY", wantEnv: k("export OPENAI_API_KEY=\"{{KEY}}\"\n"), wantReused: true},
		{name: "other name same value reused", env: ptr(k("LLM_KEY={{KEY}}\n")), wantName: "LLM_KEY", wantEnv: k("LLM_KEY={{KEY}}\n"), wantReused: true},
		{name: "second key gets _2", env: ptr("OPENAI_API_KEY=" + other + "\n"), wantName: "OPENAI_API_KEY_2", wantEnv: k("OPENAI_API_KEY=" + other + "\nOPENAI_API_KEY_2={{KEY}}\n")},
		{name: "third key gets _3", env: ptr("OPENAI_API_KEY=" + other + "\nOPENAI_API_KEY_2=x\n"), wantName: "OPENAI_API_KEY_3",
			wantEnv: k("OPENAI_API_KEY=" + other + "\nOPENAI_API_KEY_2=x\nOPENAI_API_KEY_3={{KEY}}\n")},
		{name: "second key found by _2 value", env: ptr(k("OPENAI_API_KEY=" + other + "\nOPENAI_API_KEY_2={{KEY}}\n")), wantName: "OPENAI_API_KEY_2",
			wantEnv: k("OPENAI_API_KEY=" + other + "\nOPENAI_API_KEY_2={{KEY}}\n"), wantReused: true},
		{name: "assignment name", env: ptr(""), varName: "chatKey", wantName: "CHAT_KEY", wantEnv: k("CHAT_KEY={{KEY}}\n")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			content, f := plant(t, "k = \"{{KEY}}\"\n", "openai", tc.varName)
			var env []byte
			if tc.env != nil {
				env = []byte(*tc.env)
			}
			plan, err := MoveToEnv(Request{LanguageID: "python", Content: content, Finding: f, Env: env})
			if err != nil {
				t.Fatal(err)
			}
			if plan.VarName != tc.wantName || plan.Reused != tc.wantReused {
				t.Errorf("VarName, Reused = %q, %v; want %q, %v", plan.VarName, plan.Reused, tc.wantName, tc.wantReused)
			}
			if tc.wantReused != (plan.Env == nil) {
				t.Errorf("Env change = %+v, want one only when not reused", plan.Env)
			}
			if plan.Env != nil && plan.Env.Create != tc.wantCreate {
				t.Errorf("Create = %v, want %v", plan.Env.Create, tc.wantCreate)
			}
			got := applyChange(t, env, plan.Env)
			if diff := cmp.Diff(tc.wantEnv, got); diff != "" {
				t.Errorf(".env (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(got, string(env)) {
				t.Errorf("the old .env is not kept byte for byte")
			}
			src, _ := Apply(content, plan.Source)
			if want := "os.environ[\"" + tc.wantName + "\"]"; !strings.Contains(string(src), want) {
				t.Errorf("source %q does not read %s", src, want)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestGitignore(t *testing.T) {
	cases := []struct {
		name string
		gi   *string
		want *string // nil: no change
	}{
		{"absent", nil, ptr(".env\n")},
		{"empty", ptr(""), ptr(".env\n")},
		{"exact", ptr("node_modules/\n.env\n"), nil},
		{"rooted", ptr("/.env\n"), nil},
		{"env star", ptr(".env*\n"), nil},
		{"star env", ptr("*.env\n"), nil},
		{"dot env dot star does not match", ptr(".env.*\n"), ptr(".env.*\n.env\n")},
		{"negated", ptr(".env*\n!.env\n"), ptr(".env*\n!.env\n.env\n")},
		{"comment only", ptr("# .env\n"), ptr("# .env\n.env\n")},
		{"no final newline", ptr("dist"), ptr("dist\n.env\n")},
		{"CRLF", ptr("dist\r\n"), ptr("dist\r\n.env\r\n")},
		{"CRLF with .env", ptr("dist\r\n.env\r\n"), nil},
		{"directory-only pattern", ptr(".env/\n"), ptr(".env/\n.env\n")},
		{"any depth", ptr("**/.env\n"), nil},
		{"trailing spaces", ptr(".env   \n"), nil},
		{"everything", ptr("*\n"), nil},
		{"other file", ptr(".envrc\n"), ptr(".envrc\n.env\n")},
		{"in a subdirectory only", ptr("config/.env\n"), ptr("config/.env\n.env\n")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var gi []byte
			if tc.gi != nil {
				gi = []byte(*tc.gi)
			}
			fc := gitignoreChange(gi)
			if tc.want == nil {
				if fc != nil {
					t.Fatalf("change %+v, want none", fc)
				}
				return
			}
			if fc == nil {
				t.Fatalf("no change, want %q", *tc.want)
			}
			if fc.Create != (tc.gi == nil) {
				t.Errorf("Create = %v", fc.Create)
			}
			if got := applyChange(t, gi, fc); got != *tc.want {
				t.Errorf("got %q, want %q", got, *tc.want)
			}
		})
	}
}

func TestEnvExample(t *testing.T) {
	cases := []struct {
		name string
		ex   *string
		want *string
	}{
		{"absent", nil, ptr("OPENAI_API_KEY=\n")},
		{"append", ptr("PORT=\n"), ptr("PORT=\nOPENAI_API_KEY=\n")},
		{"present", ptr("OPENAI_API_KEY=your-key-here\n"), nil},
		{"present exported", ptr("export OPENAI_API_KEY=\n"), nil},
		{"prefix name is not the name", ptr("OPENAI_API_KEY_2=\n"), ptr("OPENAI_API_KEY_2=\nOPENAI_API_KEY=\n")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ex []byte
			if tc.ex != nil {
				ex = []byte(*tc.ex)
			}
			fc := exampleChange(ex, "OPENAI_API_KEY")
			if tc.want == nil {
				if fc != nil {
					t.Fatalf("change %+v, want none", fc)
				}
				return
			}
			if got := applyChange(t, ex, fc); got != *tc.want {
				t.Errorf("got %q, want %q", got, *tc.want)
			}
		})
	}
}

func TestNames(t *testing.T) {
	cases := []struct{ varName, provider, want string }{
		{"", "openai", "OPENAI_API_KEY"},
		{"", "anthropic", "ANTHROPIC_API_KEY"},
		{"", "huggingface", "HF_TOKEN"},
		{"", "no-such-provider", "NO_SUCH_PROVIDER_API_KEY"},
		{"", "", "API_KEY"},
		{"openaiApiKey", "openai", "OPENAI_API_KEY"},
		{"openai_api_key", "openai", "OPENAI_API_KEY"},
		{"OpenAIKey", "openai", "OPEN_AI_KEY"},
		{"apiKey", "groq", "GROQ_API_KEY"},
		{"key", "openai", "OPENAI_API_KEY"},
		{"headers", "openai", "OPENAI_API_KEY"},
		{"GEMINI_API_KEY", "openai", "OPENAI_API_KEY"},
		{"GOOGLE_API_KEY", "gemini", "GOOGLE_API_KEY"},
		{"clé", "openai", "OPENAI_API_KEY"},
		{"self.api_key", "openai", "OPENAI_API_KEY"},
	}
	for _, tc := range cases {
		if got := baseName(diagnostics.Finding{VarName: tc.varName, Provider: tc.provider}); got != tc.want {
			t.Errorf("baseName(%q, %q) = %q, want %q", tc.varName, tc.provider, got, tc.want)
		}
	}
}

func TestQuoteEnvValue(t *testing.T) {
	cases := map[string]string{
		testKey:      testKey,
		"a b":        "'a b'",
		"a#b":        "'a#b'",
		"a$b":        "'a$b'",
		"it's $x":    `"it's \$x"`,
		" padded":    "' padded'",
		"":           "''",
		`back\slash`: `'back\slash'`,
	}
	for in, want := range cases {
		if got := quoteEnvValue(in); got != want {
			t.Errorf("quoteEnvValue(%q) = %q, want %q", in, got, want)
		}
	}
}
