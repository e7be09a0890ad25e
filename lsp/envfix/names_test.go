package envfix

import "testing"

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
