package diagnostics

import (
	"math/rand"
	"strings"
	"testing"
)

// The filters for typed values must cost almost nothing in recall: keys
// are random, and a random key rarely reads as words, a keyboard row or a
// sequence. This bounds the share of random keys of each weak shape that
// the filters reject (the rejects are real keys keyguard would miss).
func TestTypedValueFiltersSpareRandomKeys(t *testing.T) {
	const (
		base62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		lowDig = "abcdefghijklmnopqrstuvwxyz0123456789"
		hex    = "0123456789abcdef"
	)
	shapes := []struct {
		name, alphabet string
		n              int
		maxRejectPct   float64
	}{
		{"mistral 32 base62", base62, 32, 0.1},
		{"cohere 40 base62", base62, 40, 0.1},
		{"sk-48 base62", base62, 48, 0.1},
		{"deepseek 32 hex (what DeepSeek issues)", hex, 32, 0.1},
		{"deepseek 32 [a-z0-9] (what the rule takes)", lowDig, 32, 0.5},
		{"azure 32 hex", hex, 32, 0.1},
		{"generic 24 base62", base62, 24, 0.2},
	}
	rng := rand.New(rand.NewSource(1))
	const trials = 20000
	for _, s := range shapes {
		rejected := 0
		buf := make([]byte, s.n)
		for range trials {
			for i := range buf {
				buf[i] = s.alphabet[rng.Intn(len(s.alphabet))]
			}
			if wordBuilt(buf) || hasKeyboardRun(buf, 6) || hasSequence(buf, 6) {
				rejected++
			}
		}
		pct := 100 * float64(rejected) / trials
		t.Logf("%s: %.3f%% of random keys rejected", s.name, pct)
		if pct > s.maxRejectPct {
			t.Errorf("%s: %.3f%% of random keys rejected, want at most %.2f%%", s.name, pct, s.maxRejectPct)
		}
	}
}

func TestWordBuilt(t *testing.T) {
	cases := []struct {
		v    string
		want bool
	}{
		{"MistralAIPromptExecutionSettings", true},
		{"convertMessagesToMistralMessages", true},
		{"mistralChatParamsFromCallOptions", true},
		{"sk-synthetic-cloudflare-lifecycle-private-83d4", true},
		{"gw_valid_api_key_12345", true},
		{"m0-supersecretkey1234", true},
		{"token_sha256_to_refresh", true},
		{"RUNSTATE_SENTINEL_VALUE_42", true},
		{"claude-3-haiku-20240307", true},
		{"Qwen/Qwen3-Embedding-0.6B", true},
		{"HuggingFaceH4/zephyr-7b-beta", true},
		// Random keys, and hex whatever its letters spell.
		{"olI6zlb3F0jO8jjDQUi34skQLPzvox84", false},
		{"kMrbwHjG78fYzneT934Pn34NQxVSxniq", false},
		{"c180BbX91tPA6BFHGfwzxyn6FiW84Zg9JF6Igx5c", false},
		{"abcdef0123456789abcdef0123456789", false},
		{"deadbeefcafe0123deadbeefcafe0123", false},
		{"sk-abc123def456ghi789jkl012mno345pq", false},
		{"befa7ec1-1129-4713-8e92-bb53d1a4f632", false},
	}
	for _, c := range cases {
		if got := wordBuilt([]byte(c.v)); got != c.want {
			t.Errorf("wordBuilt(%q) = %v, want %v", c.v, got, c.want)
		}
	}
}

func TestInValuePosition(t *testing.T) {
	cases := []struct {
		text, value string
		want        bool
	}{
		{`key = "Ab3dEf6hIj9kLm"`, "Ab3dEf6hIj9kLm", true},
		{"KEY=Ab3dEf6hIj9kLm\nNEXT=1", "Ab3dEf6hIj9kLm", true},
		{`KEY: Ab3dEf6hIj9kLm # prod`, "Ab3dEf6hIj9kLm", true},
		{`curl -H "api-key: Ab3dEf6hIj9kLm" https://x`, "Ab3dEf6hIj9kLm", true},
		{`key = "Ab3dEf6hIj9kLm" + suffix`, "Ab3dEf6hIj9kLm", true},
		{`key = Ab3dEf6hIj9kLm(x)`, "Ab3dEf6hIj9kLm", false},
		{`key = Ab3dEf6hIj9kLm.FromSettings(x)`, "Ab3dEf6hIj9kLm", false},
		{`key = abcdefghijklmnop`, "abcdefghijklmnop", false}, // one-case letters, unquoted: a name
		{"MISTRAL_API_KEY=kMrbwHjGfYzneTPnNQxVSxniqAbCdEfG\n", "kMrbwHjGfYzneTPnNQxVSxniqAbCdEfG", true},
		{`key = "Ab3dEf6hIj9kLmNo"x`, "Ab3dEf6hIj9kLm", false},
	}
	for _, c := range cases {
		start := strings.Index(c.text, c.value)
		if got := inValuePosition([]byte(c.text), start, start+len(c.value)); got != c.want {
			t.Errorf("inValuePosition(%q, %q) = %v, want %v", c.text, c.value, got, c.want)
		}
	}
}

func TestWordWithinLines(t *testing.T) {
	key := "1bb7dff73fe449de829363ea03bab134"
	cases := []struct {
		text string
		want bool
	}{
		{"endpoint = \"https://x.openai.azure.com/\"\napi_key = \"" + key + "\"", true},
		{"# azure\n\napi_key = \"" + key + "\"", true},
		{"api_key = \"" + key + "\"\n\n# azure", true},
		{"# azure\n\n\napi_key = \"" + key + "\"", false},
		{"api_key = \"" + key + "\"\n\n\n# azure", false},
	}
	for _, c := range cases {
		s := strings.Index(c.text, key)
		if got := wordWithinLines([]byte(c.text), s, s+len(key), 2, []string{"azure"}); got != c.want {
			t.Errorf("wordWithinLines(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

// Third-party bundles carry their vendors' client keys (yarn's release
// holds the public Algolia search key of npm-search): the generic rule
// leaves them alone, provider rules do not.
func TestVendoredBundles(t *testing.T) {
	generic := `U6={appId:"OFCNCOG2CU",apiKey:"6fe4476ee5a1832882e326b506d14126",indexName:"npm-search"}`
	groq := `const k = "gsk_` + "Iw23uPOzcF3U9lY6snmaWGdyb3FY7rFwT2FFaGHtkUxnszs6TiYs" + `";`
	cases := []struct {
		path, text, want string
	}{
		{"rust/js_bindings/.yarn/releases/yarn-4.8.1.cjs", generic, ""},
		{"web/node_modules/pkg/dist/index.js", generic, ""},
		{"static/app.min.js", generic, ""},
		{"src/search.js", generic, "generic-api-key"},
		{"web/node_modules/pkg/dist/index.js", groq, "groq-api-key"},
	}
	for _, c := range cases {
		got := ""
		for _, f := range Default.Scan(c.path, []byte(c.text)) {
			got = f.Format
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.path, got, c.want)
		}
	}
}
