package envfix

import (
	"strings"
	"testing"
)

// TestNameFor covers what nameFor adds to baseName: type words, the SDK's
// variable for names that say nothing more, and public prefixes.
func TestNameFor(t *testing.T) {
	cases := []struct{ line, varName, provider, want string }{
		{"const KEY: string = \"{{KEY}}\"", "string", "openai", "OPENAI_API_KEY"},
		{"const summarizerKey: string = \"{{KEY}}\"", "string", "openai", "SUMMARIZER_KEY"},
		{"    api_key: str = \"{{KEY}}\"", "str", "openai", "OPENAI_API_KEY"},
		{"var groqKey string = \"{{KEY}}\"", "string", "groq", "GROQ_API_KEY"},
		{"OPENAI_KEY = \"{{KEY}}\"", "OPENAI_KEY", "openai", "OPENAI_API_KEY"},
		{"MY_CLAUDE_TOKEN = \"{{KEY}}\"", "MY_CLAUDE_TOKEN", "anthropic", "ANTHROPIC_API_KEY"},
		{"SUMMARIZER_OPENAI_KEY = \"{{KEY}}\"", "SUMMARIZER_OPENAI_KEY", "openai", "SUMMARIZER_OPENAI_KEY"},
		{"const NEXT_PUBLIC_OPENAI_KEY = \"{{KEY}}\"", "NEXT_PUBLIC_OPENAI_KEY", "openai", "OPENAI_API_KEY"},
		{"const VITE_CHAT_KEY = \"{{KEY}}\"", "VITE_CHAT_KEY", "openai", "CHAT_KEY"},
	}
	for _, tc := range cases {
		content, f := plant(t, tc.line, tc.provider, tc.varName)
		if got := nameFor(f, content); got != tc.want {
			t.Errorf("%s: nameFor = %q, want %q", tc.line, got, tc.want)
		}
	}
}

// An empty or placeholder variable of the chosen name is filled, not
// pushed aside to NAME_2; a real other key still is.
func TestFillPlaceholder(t *testing.T) {
	cases := []struct{ env, wantName, wantEnv string }{
		{"OPENAI_API_KEY=\nPORT=1\n", "OPENAI_API_KEY", "OPENAI_API_KEY={{KEY}}\nPORT=1\n"},
		{"OPENAI_API_KEY=your-api-key-here # get one at platform.openai.com\n", "OPENAI_API_KEY", "OPENAI_API_KEY={{KEY}} # get one at platform.openai.com\n"},
		{"OPENAI_API_KEY=\"<your key>\"\n", "OPENAI_API_KEY", "OPENAI_API_KEY={{KEY}}\n"},
		{"OPENAI_API_KEY=sk-old-value-1234\n", "OPENAI_API_KEY_2", "OPENAI_API_KEY=sk-old-value-1234\nOPENAI_API_KEY_2={{KEY}}\n"},
	}
	for _, tc := range cases {
		content, f := plant(t, "k = \"{{KEY}}\"\n", "openai", "k")
		plan, err := MoveToEnv(Request{LanguageID: "python", Content: content, Finding: f, Env: []byte(tc.env)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Apply([]byte(tc.env), plan.Env.Edits)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(tc.wantEnv, "{{KEY}}", testKey)
		if plan.VarName != tc.wantName || string(got) != want {
			t.Errorf(".env %q: name %s, .env %q; want %s, %q", tc.env, plan.VarName, got, tc.wantName, want)
		}
	}
}
