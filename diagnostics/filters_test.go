package diagnostics

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// The filters for typed values (words, sequences, keyboard rows) and the
// entropy floors must cost almost nothing in recall: keys are random, and
// a random key rarely reads as words. For each weak shape this plants
// random keys where the rule must find them and bounds the share it misses.
func TestRandomKeysFound(t *testing.T) {
	const (
		base62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		lowDig = "abcdefghijklmnopqrstuvwxyz0123456789"
		hex    = "0123456789abcdef"
		b64url = base62 + "-_"
	)
	rnd := func(rng *rand.Rand, alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return string(b)
	}
	shapes := []struct {
		rule, template string
		alphabet       string
		n              int
		maxMissPct     float64
	}{
		{"mistral-api-key", `mistral_api_key = "%s"`, base62, 32, 0.1},
		{"mistral-api-key", "MISTRAL_API_KEY=%s\n", base62, 32, 0.1},
		{"cohere-api-key", `cohere_api_key = "%s"`, base62, 40, 0.1},
		{"azure-openai-api-key", `AZURE_OPENAI_API_KEY = "%s"`, hex, 32, 0.1},
		{"elevenlabs-legacy-key", `XI_API_KEY = '%s'`, hex, 32, 0.1},
		{"deepseek-api-key", `key = "sk-%s"`, hex, 32, 0.1},    // what DeepSeek issues
		{"deepseek-api-key", `key = "sk-%s"`, lowDig, 32, 0.5}, // what the rule takes
		{"sk-48-key", `key = "sk-%s"`, base62, 48, 0.1},
		{"braintrust-api-key", `BRAINTRUST_API_KEY="sk-%s"`, base62, 48, 0.1},
		{"openai-unmarked-key", `OPENAI_API_KEY="sk-%s"`, base62, 48, 0.1},
		// 1.5% of 24-character base62 strings have no digit, which the
		// generic rule has always required (mixedAlnum).
		{"generic-api-key", `PAYMENTS_API_KEY = "%s"`, base62, 24, 2.0},
		{"generic-api-key", `PAYMENTS_API_KEY = "%s"`, base62, 40, 0.1},
		// Bodies that may hold '-' and '_' (separatorHeavy).
		{"voyage-api-key", `key = "pa-%s"`, b64url, 43, 0.1},
		{"together-api-key", `key = "tgp_v1_%s"`, b64url, 43, 0.1},
		{"nvidia-api-key", `key = "nvapi-%s"`, b64url, 64, 0.1},
	}
	rng := rand.New(rand.NewSource(1))
	const trials = 5000
	for _, s := range shapes {
		missed := 0
		for range trials {
			key := rnd(rng, s.alphabet, s.n)
			found := false
			for _, f := range Default.Scan("example.py", []byte(fmt.Sprintf(s.template, key))) {
				found = found || f.Format == s.rule
			}
			if !found {
				missed++
			}
		}
		pct := 100 * float64(missed) / trials
		t.Logf("%s %q: %.2f%% of random keys missed", s.rule, s.template, pct)
		if pct > s.maxMissPct {
			t.Errorf("%s %q: %.2f%% of random keys missed, want at most %.2f%%", s.rule, s.template, pct, s.maxMissPct)
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
		{"usesExplicitSigV4Auth", true},
		{"getOpenAiApiKeyFromEnvV2", true},
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
