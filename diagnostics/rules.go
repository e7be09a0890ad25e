package diagnostics

import (
	"bytes"
	"regexp"
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// rule is one key format. Like gitleaks' rule files, each carries its own
// true- and false-positive examples; TestRuleExamples runs them.
//
// Two kinds of rules:
//   - prefix rules (context == nil): every keyword is a literal the key
//     starts with. The prefilter finds the keyword; re, anchored with ^, runs
//     on at most maxLen bytes from there. Submatch 0 is the key.
//   - context rules (context != nil): keys without a distinctive prefix
//     (Mistral's 32 characters, Azure's 32 hex …). The keyword is the
//     provider's name; within window bytes of it, each long token that is
//     the value of an assignment whose name holds one of nameWords is
//     matched against re (anchored). As the peers do, the provider's name has
//     to be near, or any 32-character hash would be a "key". A match counts
//     only in a value position (a closed string literal or a config value
//     ending its line, not a name in code) and only if it reads as random
//     (not word-built, a sequence or a keyboard row): identifiers of
//     exactly a key's length are common next to the provider's name.
type rule struct {
	id       string
	provider string
	keywords []string
	re       *regexp.Regexp
	maxLen   int // prefix rules: bytes from the keyword the regex may look at
	// minLen and runBytes are read off re (see regexpShape): every match is
	// at least minLen bytes, all of them in runBytes. The finder checks that
	// much before it calls the regexp, which costs far more than a failed
	// run check ("sk-proj-…" in prose, a 24-byte token for a 32-byte key).
	minLen   int
	runBytes *[256]bool

	context []string // context rules: case-insensitive provider words (also the prefilter keywords)
	window  int      // context rules: bytes searched on each side of a context word
	// nameWords: context rules only report a value assigned to a name that
	// contains one of these (lower case).
	nameWords []string

	minEntropy float64 // Shannon entropy (bits per char) the key must reach
	// keepPlaceholders turns the placeholder filter off for formats whose
	// peers flag even x-filled values (noseyparker's tavily example).
	keepPlaceholders bool
	// sequential also rejects keys with 6+ sequential characters ("abcdef",
	// "123456"): right for weak shapes, wrong for strong ones whose peers'
	// examples are synthetic sequences (secretlint's gsk_ keys).
	sequential bool
	// quoted: context rules only take a value inside quotes
	// (unquotedAtEOL: or an unquoted one of letters and digits that ends
	// its line, as in .env.example and YAML files).
	quoted, unquotedAtEOL bool
	// valuePosition: context rules only report a value in a value's
	// position — a string literal, or an unquoted config value that ends
	// its line — not a name in code (`x = convertMessagesToMistralMessages(m)`).
	valuePosition bool
	// nearLines, when set, is how many lines from the key one of the
	// context words must be (the window alone is bytes, and 700 bytes of
	// code is a screenful away from a key it says nothing about); and one
	// of nearAlso too, when set.
	nearLines int
	nearAlso  []string
	// check, when set, is one more test of the key (e.g. Gemini's context).
	check    func(c *scanCtx, start, end int) bool
	severity Severity

	tps []string // texts in which the rule must find a key
	fps []string // texts in which it must find none
}

func prefixRule(id, provider, pattern string, maxLen int, keywords ...string) *rule {
	r := &rule{
		id: id, provider: provider, keywords: keywords, maxLen: maxLen,
		re:         regexp.MustCompile(`^(?:` + pattern + `)`),
		minEntropy: 3.0, severity: SeverityWarning,
	}
	r.minLen, r.runBytes = regexpShape(r.re)
	return r
}

// regexpShape returns the length of re's shortest match and the set of
// bytes a match can hold (non-ASCII runes count as every byte >= 0x80).
// A position where fewer than minLen bytes of the set follow cannot match.
func regexpShape(re *regexp.Regexp) (int, *[256]bool) {
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		panic(err) // re compiled from the same string
	}
	set := new([256]bool)
	addRune := func(r rune) {
		if r >= utf8.RuneSelf {
			for b := 0x80; b < 256; b++ {
				set[b] = true
			}
			return
		}
		set[r] = true
	}
	var walk func(t *syntax.Regexp) int
	walk = func(t *syntax.Regexp) int {
		switch t.Op {
		case syntax.OpLiteral:
			n := 0
			for _, r := range t.Rune {
				addRune(r)
				if t.Flags&syntax.FoldCase != 0 {
					for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
						addRune(f)
					}
				}
				n += utf8.RuneLen(r)
			}
			return n
		case syntax.OpCharClass:
			for i := 0; i+1 < len(t.Rune); i += 2 {
				for r := t.Rune[i]; r <= t.Rune[i+1] && r < utf8.RuneSelf; r++ {
					addRune(r)
				}
				if t.Rune[i+1] >= utf8.RuneSelf {
					addRune(utf8.RuneSelf)
				}
			}
			return 1
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			for b := range set {
				if b != '\n' || t.Op == syntax.OpAnyChar {
					set[b] = true
				}
			}
			return 1
		case syntax.OpCapture:
			return walk(t.Sub[0])
		case syntax.OpConcat:
			n := 0
			for _, s := range t.Sub {
				n += walk(s)
			}
			return n
		case syntax.OpAlternate:
			n := -1
			for _, s := range t.Sub {
				if m := walk(s); n < 0 || m < n {
					n = m
				}
			}
			return max(n, 0)
		case syntax.OpStar, syntax.OpQuest:
			walk(t.Sub[0])
			return 0
		case syntax.OpPlus:
			return walk(t.Sub[0])
		case syntax.OpRepeat:
			return t.Min * walk(t.Sub[0])
		}
		return 0 // empty-width assertions, empty match
	}
	return walk(tree), set
}

// runAtLeast reports whether b starts with n bytes of set.
func runAtLeast(b []byte, n int, set *[256]bool) bool {
	if len(b) < n {
		return false
	}
	for _, c := range b[:n] {
		if !set[c] {
			return false
		}
	}
	return true
}

// contextRule builds a rule for a key without a prefix, found as the value
// of an assignment near one of the provider's words.
//
// The assignment's name must say key/token/secret/api — or be the
// provider's own name (`ai21 = …`) unless providerNameIsKey is false (Azure: a
// name like azure_commit is no reason to call a hash a key).
func contextRule(id, provider, value string, window int, words ...string) *rule {
	return contextRuleNamed(id, provider, value, window, true, words...)
}

func contextRuleNamed(id, provider, value string, window int, providerNameIsKey bool, words ...string) *rule {
	lhs := []string{"key", "token", "secret", "api", "auth", "pass"}
	if providerNameIsKey {
		lhs = append(lhs, words...)
	}
	r := &rule{
		id: id, provider: provider, keywords: words, context: words, window: window,
		re:         regexp.MustCompile(`^(?:` + value + `)`),
		nameWords:  lhs,
		minEntropy: 3.0, severity: SeverityWarning, sequential: true, valuePosition: true,
	}
	r.minLen, r.runBytes = regexpShape(r.re)
	return r
}

func (r *rule) examples(tps, fps []string) *rule { r.tps, r.fps = tps, fps; return r }

// The table. Order matters only for overlapping matches at one offset: the
// first rule listed wins, so specific formats come before general ones, and
// prefix rules before context rules, except the context rules that label
// a shared shape (sk- + 48) by the name near it.
var rules = []*rule{
	// --- OpenAI -------------------------------------------------------------
	// Every current OpenAI key carries "T3BlbkFJ" (base64 of "OpenAI") in the
	// middle: the marker is what makes a 164-character string a key.
	prefixRule("openai-project-key", "openai",
		`sk-(?:proj|svcacct|None)-[A-Za-z0-9_-]{16,200}T3BlbkFJ[A-Za-z0-9_-]{16,200}`, 420,
		"sk-proj-", "sk-svcacct-", "sk-None-").examples(
		[]string{
			`OPENAI_API_KEY="sk-proj-Jq8s2LkR7vTn4WcXbA1mZ0pY5uGdHe3iQfKoNrSt6VwBT3BlbkFJ9xCzD2yEaF7gHjK4lM1nP0qRsT5uVwXyZ8bAcD3eFgH"`,
			`sk-proj-mpjtr05CFsJqs4TAeKlCT3BlbkFJsh1KtN0SUjTPeJiagE8K`,
		},
		[]string{
			`sk-proj-Xi8tdMjHV6pmbBbwilTeT4BlbkFJ3UDnpdEwNNm6wVBpYM0o`,
			`sk-proj-your-api-key-here`,
		}),
	// Admin keys manage the whole organisation (users, projects, keys):
	// their own rule id, so a finding says which kind leaked.
	prefixRule("openai-admin-key", "openai",
		`sk-admin-[A-Za-z0-9_-]{16,200}T3BlbkFJ[A-Za-z0-9_-]{16,200}`, 420, "sk-admin-").examples(
		[]string{`key = 'sk-admin-ypbUmRYErPxz0fcyyH6sFBMM_WB57Xaq0prNvasOOWkhbEQfpBxgV42jS3T3BlbkFJmqB_sfX3A5MyI7ayjdxUChH8h6cDuu1Xc1X'`},
		[]string{
			`BAD_KEY=sk-admin-shortT3BlbkFJgTJWgjMvdi6YlPvdXRqmSlZ4dLK-nFxUG2d9Tgaz5Q6weGVNBaLuUmMV4A`,
		}),
	// Legacy user keys (sk- + 20 + marker + 20) and the old named
	// service-account form sk-<name>-<20>T3BlbkFJ<20>.
	prefixRule("openai-legacy-key", "openai",
		`sk-(?:[a-z0-9]+(?:-[a-z0-9]+)*-)?[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}`, 160, "sk-").examples(
		[]string{
			`openai.api_key = "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"`,
			`sk-service-account-name-Ofbtr05CFsJqs4TAeKlCT3BlbkFJsh1KtN0SUjTPeJiaglyC`,
		},
		[]string{`sk-sUeBP9asw6GiYHXqtg70abcdefghJuLwJFco90bOpU0Ntest`, `disk-9rzbn28e4v9nfvbe5wyiT3BlbkFJt0aq4tbqem5bvkxxz68i`}),
	// sk-None- keys without the marker: only kingfisher covers them.
	prefixRule("openai-none-key", "openai", `sk-None-[A-Za-z0-9_-]{40,200}`, 220, "sk-None-").examples(
		[]string{`sk-None-abcdefghij1234567890ABCDEFGHIJ1234567890abcdefgh`},
		[]string{`sk-None-short`}),
	// --- Anthropic ----------------------------------------------------------
	// api03/admin01 + 93 characters + "AA" (gitleaks, trufflehog); secretlint
	// and kingfisher also accept other version numbers (api04, api668).
	prefixRule("anthropic-api-key", "anthropic", `sk-ant-api\d{2,4}-[A-Za-z0-9_-]{85,100}AA`, 130, "sk-ant-api").examples(
		[]string{
			`ANTHROPIC_API_KEY='sk-ant-api04-pRLEoxKCq2cuUW5bhgMTVPcAuDd6aoydZQYcEXVp_Fu46ri_GkPW5INiuAEYTqOx4w27CnqVik4Ak_wNjjzKAA-Q5uYbwAA'`,
			`sk-ant-api03-jSq6OMjv1syXaEUE0bvOckLe_GtCKy8lvZdko3eOJgV8TH-f2iyzRekyZNSby5d9ScikGYuqQhsrxML3X3N3rQ-XwQaQAAA`,
		},
		[]string{
			`sk-ant-api03-abc123xyz-456de-klMnopqrstuvwx-3456yza789bcde-1234fghijklmnopAA`,
			`sk-ant-api03-abc123xyz-456def789ghij-klmnopqrstuvwx-3456yza789bcde-1234fghijklmnopby56aaaogaopaaaabc123xyzBB`,
			`ssk-ant-api04-NotARealKeyButLooksLikeOne`,
		}),
	prefixRule("anthropic-admin-key", "anthropic", `sk-ant-admin\d{2}-[A-Za-z0-9_-]{85,100}AA`, 130, "sk-ant-admin").examples(
		[]string{`sk-ant-admin01-MSLxH1vwJBWWIwDTzFro0xQrkN1dWoHo-6E9qdBHiJDCx5076IoxCH_L-sritH-zkJw2tx6igyKCh5AFgKJYYw-NjbNkAAA`},
		[]string{`sk-ant-admin01-abc123xyz-456def789ghij-klmnopqrstuvwx-3456yza789bcde-1234fghijklmnopby56aaaogaopaaaabc123xyzBB`}),
	// Claude Code OAuth access and refresh tokens.
	prefixRule("anthropic-oauth-token", "anthropic", `sk-ant-o[ar]t\d{2}-[A-Za-z0-9_-]{40,120}`, 140, "sk-ant-oat", "sk-ant-ort").examples(
		[]string{`CLAUDE_CODE_OAUTH_TOKEN="sk-ant-oat01-aB3x5YpQr7sT2uV9wXy1Zb4cD6eF8gH0iJ2kL4mN6oP8q"`},
		[]string{`sk-ant-oat01-short`}),

	// --- Google Gemini ------------------------------------------------------
	func() *rule {
		r := prefixRule("gemini-api-key", "gemini", `AIza[A-Za-z0-9_-]{35}`, 39, "AIza")
		r.check = geminiContextAllows
		return r.examples(
			[]string{
				`GEMINI_API_KEY = "AIzaSyB4sU8lU15bR_87qNb7eUVQN72_vv8mpbU"`,
				`AIzaSyNHxIf32IQ1a1yjl3ZJIqKZqzLAK1XhDk-`,
			},
			[]string{
				`<script src="https://maps.googleapis.com/maps/api/js?key=AIzaf4Six4MjGwxvkarrf1LPUaCdyNSjzsyIoRI"></script>`,
				`firebaseAPIKey = "AIzaSyCis4NzxMw1aJyvUIrjGILjPkSdxrRfof4"`,
				`AIzaSyabcdefghijklmnopqrstuvwxyz1234567`,
				`apiKey: "AIzaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"`,
			})
	}(),
	prefixRule("gemini-auth-key", "gemini", `AQ\.Ab8RN6[A-Za-z0-9_-]{44}`, 53, "AQ.Ab8RN6").examples(
		[]string{`geminiToken = "AQ.Ab8RN6DiB32wiucBcGoYMADBjdiQ0rBdTaVn-BXw7j053249Op"`},
		[]string{`gemini_api_key = "AQ.Ab8RN5AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AB"`}),

	// --- OpenAI-compatible and other providers with a prefix ----------------
	prefixRule("groq-api-key", "groq", `gsk_[A-Za-z0-9]{52}`, 56, "gsk_").examples(
		[]string{`groq_token = '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'`, `gsk_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP`},
		[]string{`gsk_abc123`, `wordgsk_aBcDeFgHiJkLmNoPqRsT1234567890abcdefghijklmnopqrstuv`, `gsk_aBcDeFgHiJkLmNoPqRsT1234567890abcdefghijklmnopqrs-uv`}),
	prefixRule("openrouter-api-key", "openrouter", `sk-or-v1-[a-f0-9]{64}`, 73, "sk-or-v1-").examples(
		[]string{`OPENROUTER_API_KEY = "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"`},
		[]string{`sk-or-v1-0e6f44a47a05f1dad2ad7e88c4c1d6b7`, `Key=sk-or-v1-a2Cy8xCLyvrAf7lZKfhQhyCr4RAID9D`}),
	prefixRule("xai-api-key", "xai", `xai-[A-Za-z0-9]{80}`, 84, "xai-").examples(
		[]string{`xaiToken = "xai-cuiUHRZRQvlRV4V49W3EvDGJjTu0IHT2NJWxM4OdZNMUoO9NMjjmSo8WiqH7nIFtGfAYgeLdcIib8LPn"`},
		[]string{`xai_token = 'xai-W5zbfUkzlXedo7qD42AbBLlRSsyJrOW5zbfUkzlXe'`}),
	prefixRule("perplexity-api-key", "perplexity", `pplx-[A-Za-z0-9]{48}`, 53, "pplx-").examples(
		[]string{`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`},
		[]string{`PERPLEXITY_API_KEY=pplx-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`}),
	// Hugging Face user tokens. gitleaks allows letters only, trufflehog and
	// kingfisher digits too; real tokens have both.
	prefixRule("huggingface-token", "huggingface", `hf_[A-Za-z0-9]{34}`, 37, "hf_").examples(
		[]string{`HF_TOKEN = "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"`, `hf_ZY1eSxaQdNSh6LSV1T1xkZ114inIxE57YK`},
		[]string{`- (id)hf_requiredCharacteristicTypesForDisplayMetadata;`, `hf_FakeFakeFakeFakeFakeFakeFakeFakeFak`, `hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`}),
	prefixRule("huggingface-org-token", "huggingface", `api_org_[A-Za-z]{34}`, 42, "api_org_").examples(
		[]string{`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`},
		[]string{`const api_org_controller = require('../../controllers/api/index').organizations;`}),
	prefixRule("together-api-key", "together", `tgp_v1_[A-Za-z0-9_-]{43}`, 50, "tgp_v1_").examples(
		[]string{`tgp_v1_HgWU7iym2128y2Pdj-7-9kX4W_MSCcIT5EhuY_SmNqc`},
		[]string{`tgp_v1_Tctm6OfOeNkwLIKkyxJxUHIqNKx2AvFr`, `tgp_v2_Tctm6OfOeNkwLIKkyxJxUHIqNKx2AvFr65tQRIOMgzY`}),
	prefixRule("replicate-api-token", "replicate", `r8_[A-Za-z0-9]{37}`, 40, "r8_").examples(
		[]string{`replicate token = 'r8_7DTl1j7Nsy6dpc3GGwkd8qsWFl33hy4ICtNzH'`},
		[]string{`replicate = 'r8_7DTl1j7Nsy6dpc3GG?kd8qsWFl33hy4ICtNzH'`, `r8_WesXNvqsCpq7r1gpQABpB3NJvdR`}),
	prefixRule("langsmith-api-key", "langsmith", `lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}`, 51, "lsv2_").examples(
		[]string{`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`},
		[]string{`LANGSMITH_API_KEY=lsv2_pt_short`, `lsv2_pt_1e0430d40fc14d3fj03397b9e6z46289_2b9036edd2`}),
	prefixRule("nvidia-api-key", "nvidia", `nvapi-[A-Za-z0-9_-]{64}`, 70, "nvapi-").examples(
		[]string{`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`},
		[]string{`nvapi-AFNjXAgQdLYwZo2zJJUKLMIE4zrPYAks`}),
	prefixRule("cerebras-api-key", "cerebras", `csk-[a-z0-9]{48}`, 52, "csk-").examples(
		[]string{`csk-6nptf4w5cx36fw58t3hkx48jvm52wm693pex5tjm29kn55yt`},
		[]string{`csk-6nptf4w5cx36fw58t3hkx`, `bsk-6nptf4w5cx36fw58t3hkx48jvm52wm693pex5tjm29kn55yt`}),
	prefixRule("fireworks-api-key", "fireworks", `fw_[A-Za-z0-9]{24}`, 27, "fw_").examples(
		[]string{`FIREWORKS_API_KEY=fw_3ZL5ji26Tp7baYrW5S2pA5xi`},
		[]string{`fw_short`}),
	func() *rule {
		// noseyparker's example flags an x-filled tvly- value; no peer says
		// otherwise for Tavily, so its placeholder filter stays off.
		r := prefixRule("tavily-api-key", "tavily", `tvly-(?:dev-|prod-)?[A-Za-z0-9]{32}`, 42, "tvly-")
		r.keepPlaceholders, r.minEntropy = true, 0
		return r.examples([]string{`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`}, []string{`tvly-short`})
	}(),
	prefixRule("friendli-token", "friendli", `flp_[A-Za-z0-9]{46}`, 50, "flp_").examples(
		[]string{`flp_eb8CAc1OHdVISFraFZXFYQeH1CYtqM2VdYFvV1duniWw32`}, []string{`flp_short`}),
	prefixRule("jina-api-key", "jina", `jina_[a-f0-9]{32}[A-Za-z0-9_-]{28}`, 65, "jina_").examples(
		[]string{`jina_c1758c6f49e14ced990ac7776800dc45ShJNTXBCizzwjE6IMFYJ7LD959cG`}, []string{`jina_embeddings_v2_base`}),
	prefixRule("firecrawl-api-key", "firecrawl", `fc-[a-f0-9]{32}`, 35, "fc-").examples(
		[]string{`app = FirecrawlApp(api_key="fc-7da8b1ca1d2150c496e91440d777fea8")`}, []string{`abc-7da8b1ca1d2150c496e91440d777fea8`}),
	prefixRule("voyage-api-key", "voyage", `pa-[A-Za-z0-9_-]{43}`, 46, "pa-").examples(
		[]string{`pa-r4yuCYCuPhNO-10Lu9aO7dR4jxUWlLmlUjm_NOVVdSs`},
		[]string{
			`spa-r4yuCYCuPhNO-10Lu9aO7dR4jxUWlLmlUjm_NOVVdSs`,
			// Locale tags in a binary's strings, not a key.
			`locales = "pa-arab-pkpa-inpap-029pl-plprg-001prs-afps-afp"`,
		}),
	prefixRule("ai71-api-key", "ai71", `ai71-api-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}`, 45, "ai71-api-").examples(
		[]string{`AI71_API_KEY=ai71-api-7c12f4e9-4b3d-4a1e-8c72-5d91a6b7c8d9`}, []string{`ai71-api-key`}),
	prefixRule("minimax-api-key", "minimax", `MINIMAX-[A-Z0-9]{8}(?:-[A-Z0-9]{8}){3}`, 43, "MINIMAX-").examples(
		[]string{`MINIMAX_API_KEY=MINIMAX-A1B2C3D4-E5F6G7H8-I9J0K1L2-M3N4O5P6`}, []string{`MINIMAX-SHORT`}),
	prefixRule("elevenlabs-api-key", "elevenlabs", `sk_[a-f0-9]{48}`, 51, "sk_").examples(
		[]string{`sk_2a30e5a0d39d5f2c5f6a9d2f95cd016049a6323985479bfd`},
		[]string{`elevenlabs_key = sk_2a30e5a0d39d5f2c5f6a9d2f95cd0160`}),
	// DeepSeek: sk- + 32 lowercase alphanumerics (kingfisher flags it bare).
	// A weak shape: sequences and words are made up, not issued.
	func() *rule {
		r := prefixRule("deepseek-api-key", "deepseek", `sk-[a-z0-9]{32}`, 35, "sk-")
		r.sequential = true
		return r
	}().examples(
		[]string{`sk-ba588036180d4d1d9cebbf6456f1e220`, `deepseek.Apikey = sk-abc123def456ghi789jkl012mno345pq`},
		[]string{
			`deepseek_key = sk-ba588036180d4d1d9cebbf`, `deepseek_key = sk-00000000000000000000000000000000`,
			`messages: [new HumanMessage("Key: sk-abcdefghijklmnopqrstuvwxyz123456")],`,
			`redact("sk-thisisnotarealkeyjustsometext999")`,
		}),
	// sk- + 48 alphanumerics is the shape of more than one provider's keys
	// (Stability AI's, Braintrust's). The provider's name nearby says whose
	// it is; without it, sk-48-key reports the shape under the neutral
	// provider "sk-48" rather than guess (envscan routes such keys by the
	// variable they are in).
	contextRule("stability-api-key", "stability", `sk-[A-Za-z0-9]{48}`, 80, "stability").examples(
		[]string{`STABILITY_API_KEY=sk-nwvJypEMFNASJLiPBgNnzJj1xsDwlHChbFRMNwVkzy3e4UJg`}, []string{`STABILITY_API_KEY=sk-short`}),
	contextRule("braintrust-api-key", "braintrust", `sk-[A-Za-z0-9]{48}`, 80, "braintrust").examples(
		[]string{`BRAINTRUST_API_KEY=sk-nwvJypEMFNASJLiPBgNnzJj1xsDwlHChbFRMNwVkzy3e4UJg`}, []string{`BRAINTRUST_API_KEY=sk-short`}),
	// OpenAI-shaped keys with no marker count only where the text says
	// OpenAI (listed before sk-48-key, so that the name labels an sk- + 48
	// key near it).
	// OpenAI (sonar-text flags them in OPENAI_API_KEY assignments; secretlint
	// calls the same strings bare not-secrets — both agree with this rule).
	func() *rule {
		r := contextRule("openai-unmarked-key", "openai", `sk-(?:[A-Za-z0-9]+-){0,2}[A-Za-z0-9_-]{40,200}`, 200, "openai")
		// Other providers' sk- formats are theirs, even when malformed.
		r.check = func(c *scanCtx, start, end int) bool {
			key := c.content[start:end]
			return !bytes.HasPrefix(key, []byte("sk-ant-")) && !bytes.HasPrefix(key, []byte("sk-or-"))
		}
		return r
	}().examples(
		[]string{
			`OPENAI_API_KEY=sk-svcacct-T4fG7hJkL9nQpXvZbC3rA1sD5yU8iO0wE2fH6jKlR9vW3bZc6jKlMnPqA7gJkL9nA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1vW2xY3zX7yZ8aB9cD0eF1gH2iJ3kL4mN5oP6qR7sT8uV9w`,
			"const openai = new OpenAI({\n  apiKey: \"sk-foobar-pTOaX0lK5EzxpuDfnhqHS1LrvqJAUo2xNJPxrJR6WYQRXxya\",\n});",
		},
		[]string{
			`OPENAI_API_KEY = SecretStr("sk-EUk0Tal8cIkmG4vJF904F57a9eE241A8Ae72666fAxxxxxxx")`,
			`FAKE_KEY=sk-admin-JWARXiHjpLXSh6W_0pFGb3sW7yr0cKheXXtWGMY0Q8kbBNqsxLskJy0LCOABCDEFGHgTJWgjMvdi6YlPvdXRqmSlZ4dLK`,
			"import OpenAI from 'openai';\nconst apiKey = 'sk-synthetic-cloudflare-lifecycle-private-83d4';",
			"const openai = new OpenAI({ apiKey: 'sk-test-openai-key-for-unit-tests-only-1234' });",
		}),

	// sk- + 48 alphanumerics without the OpenAI marker and without a name
	// nearby: Stability AI's or Braintrust's keys, or OpenAI keys whose
	// marker was mistyped (noseyparker's T4BlbkFJ example). A weak shape,
	// so sequences count as placeholders.
	func() *rule {
		r := prefixRule("sk-48-key", "sk-48", `sk-[A-Za-z0-9]{48}`, 51, "sk-")
		r.sequential = true
		return r.examples(
			[]string{`sk-AnmgropvAII5XEoxVPjbnSMG3XhacEwhJlLh8ossXh7K1iLP`},
			[]string{`sk-sUeBP9asw6GiYHXqtg70abcdefghJuLwJFco90bOpU0Ntest`})
	}(),

	// --- context rules: keys with no distinctive prefix ---------------------
	// A context rule's value is a key only in a value position and only if
	// it reads as random: identifiers of exactly the key's length are
	// everywhere near the provider's name in its SDKs.
	contextRule("mistral-api-key", "mistral", `[A-Za-z0-9]{32}`, 80, "mistral").examples(
		[]string{
			`mistral_api_key = olI6zlb3F0jO8jjDQUi34skQLPzvox84`, `mistral secret: kMrbwHjG78fYzneT934Pn34NQxVSxniq`,
			// Notebook cells: source lines inside JSON strings.
			`"mistral_api_key = \"olI6zlb3F0jO8jjDQUi34skQLPzvox84\"\n",`,
			`"%env MISTRAL_API_KEY=kMrbwHjG78fYzneT934Pn34NQxVSxniq\n",`,
		},
		[]string{
			`mistral_token = 47cFZMzkoEo9DBapfvhrmMst3zfV`, `mistral_token = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
			`var mistralExecutionSettings = MistralAIPromptExecutionSettings.FromExecutionSettings(executionSettings);`,
			`const mistralMessages = convertMessagesToMistralMessages(messages);`,
			`mistralChatParams := mistralChatParamsFromCallOptions(callOptions)`,
			`mistral_api_key: "MistralAIPromptExecutionSettings"`,
			`MISTRAL_API_KEY = Gpt4oMiniTranscribeModelSettings`,
		}),
	contextRule("cohere-api-key", "cohere", `[A-Za-z0-9]{40}`, 80, "cohere", "co_api_key").examples(
		[]string{`export CO_API_KEY=c180BbX91tPA6BFHGfwzxyn6FiW84Zg9JF6Igx5c`, `cohere secret key = QfsfCM0HdHH9x5ZlhsGzeignSk4pCeBwBrzYqgGV`},
		[]string{
			`CO_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`,
			`const cohereRequest = buildCohereChatRequestFromOpenAIMessages(messages);`,
			`cohere_api_key = "CohereEmbedMultilingualV3ModelSettings12"`,
		}),
	// Azure OpenAI: 32 hex near "azure" (the endpoint often sits a line or
	// two away, on lines that can be long: a logged request).
	func() *rule {
		r := contextRuleNamed("azure-openai-api-key", "azure-openai", `[a-f0-9]{32}`, 700, false, "azure")
		// kingfisher's azure example is a synthetic sequence; runs of one
		// character still count as placeholders.
		r.sequential = false
		// "azure" alone is any Azure service (Storage, DevOps, a docs
		// URL); the key is Azure OpenAI's where OpenAI or Cognitive
		// Services is named too (openai.azure.com, AZURE_OPENAI_…,
		// AzureChatOpenAI, cognitiveservices.azure.com, LiteLLM's azure/…).
		r.nearLines, r.nearAlso = 2, []string{"openai", "cognitive", "azure/"}
		return r
	}().examples(
		[]string{"openai.api_key = '1bb7dff73fe449de829363ea03bab134'\nopenai.api_base = \"https://hrcop-openai.openai.azure.com/\""},
		[]string{
			`azure_commit = "1bb7dff73fe449de829363ea03bab134"`, `AZURE_KEY = "00000000000000000000000000000000"`,
			// The word "azure" four lines away labels nothing here.
			"# Deploy to Azure\nimport hashlib\n\n\napi_key = \"1bb7dff73fe449de829363ea03bab134\"",
			// A hex value in code, not a value position.
			`azure_api_key = 1bb7dff73fe449de829363ea03bab134 if prod else None`,
			// Azure, but not Azure OpenAI (gitleaks' own generic false positive).
			"// e.g., https://azure.microsoft.com/operators/azure-service-operator\n,apiKey:\"6fe4476ee5a1832882e326b506d14126\",",
		}),
	contextRule("elevenlabs-legacy-key", "elevenlabs", `[a-f0-9]{32}`, 80, "elevenlabs", "xi_api_key", "xi-api-key").examples(
		[]string{`XI_API_KEY = 'b41b9d78aefb8c7c6cf9ebf01231340b'`},
		[]string{`XI_API_KEY = 'short'`, `xi_api_key = b41b9d78aefb8c7c6cf9ebf01231340b.hex()`}),
	contextRule("ai21-api-key", "ai21", `[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}`, 80, "ai21").examples(
		[]string{`ai21_key: befa7ec1-1129-4713-8e92-bb53d1a4f632`},
		[]string{`ai21_model = "jamba-1.5-large"`, `ai21_token = befa7ec1-1129-4713-8e92-bb53d1a4f632 if debug else None`}),
	contextRule("baseten-api-key", "baseten", `[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}`, 80, "baseten").examples(
		[]string{`baseten_key = WSsDXzCD.uOcxAp7k82IvCKyY36TnpVbP4ZszP1qw`},
		[]string{`baseten_url = "https://app.baseten.co"`, `baseten_api = DeployEm.ModelVersionDeploymentStatusBody(req)`,
			`baseten_api_key: "DeployEm.ModelVersionDeploymentStatusBody"`}),
	// fal: the bare word "fal" would wake the rule on every "false", so the
	// context words are the spellings of the name next to a separator.
	contextRule("fal-api-key", "fal", `[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}:[a-f0-9]{32}`, 80,
		"fal_", "fal.", "fal-", "falai", "fal ").examples(
		[]string{`FAL_KEY=847c02a9-db27-42d5-b781-9cf5c72b3e0d:48299b8e125e5861715a35fc653a0855`},
		[]string{`FAL_KEY=your-fal-key`, `fallback_secret = "847c02a9-db27-42d5-b781-9cf5c72b3e0d:48299b8e125e5861715a35fc653a0855"`,
			`FAL_KEY = 847c02a9-db27-42d5-b781-9cf5c72b3e0d:48299b8e125e5861715a35fc653a0855 || fallback`}),
	// Zhipu (GLM): 32 hex "." 16 alphanumerics. No prefix and no name, but
	// a shape rare enough to find on its own: runs of 32 hex digits ending in a dot.
	zhipuRule(),

	// --- generic ------------------------------------------------------------
	// A high-entropy literal assigned to *_API_KEY and the like, when no
	// provider rule claimed it. Lower severity: it may be any service's key.
	func() *rule {
		words := []string{"api_key", "apikey", "api-key", "secret_key", "secretkey", "access_token", "auth_token",
			"_token", "api_token", "client_secret"}
		r := &rule{
			id: "generic-api-key", provider: "generic",
			keywords: words, context: words, nameWords: words, window: 0, quoted: true, unquotedAtEOL: true,
			re:         regexp.MustCompile(`^[A-Za-z0-9_\-./+=]{20,200}`),
			minEntropy: 3.5, severity: SeverityInfo, sequential: true,
			check: genericAllows,
		}
		r.minLen, r.runBytes = regexpShape(r.re)
		return r.examples(
			[]string{
				`PAYMENTS_API_KEY = "q8Zr2LwX9vKp4TnB7mYc1HsD6fJg3Ae5"`,
				`const apiKey = 'Zq83kLmWp0x9RtYv2BnC7dFh4JsGa6Ue';`,
				`SLACK_BOT_TOKEN: "Zq83kLmWp0x9RtYv2BnC7dFh4JsGa6Ue"`,
				"PAYMENTS_API_KEY=q8Zr2LwX9vKp4TnB7mYc1HsD6fJg3Ae5 # staging\n",
				`"os.environ[\"PAYMENTS_API_KEY\"] = \"q8Zr2LwX9vKp4TnB7mYc1HsD6fJg3Ae5\"\n",`,
				// Commented-out code still holds a key.
				`#     OAuthConfig(client_id="8suvn9ik7q", client_secret="q8Zr2LwX9vKp4TnB7mYc1HsD6fJg3Ae5")`,
			},
			[]string{
				`OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]`,
				`API_KEY = "your-api-key-goes-here-please"`,
				`API_KEY = "aaaaaaaaaaaaaaaaaaaaaaaaaaaa"`,
				`csrf_token = "Zq83kLmWp0x9RtYv2BnC7dFh4JsGa6Ue"`,
				`api_key = "/usr/local/share/keys/production/key.pem"`,
				`api_key_file = "Zq83kLmWp0x9RtYv2BnC7dFh4JsGa6Ue.json"`,
				`api_key = get_api_key_from_environment(Zq83kLmWp0x9RtYv2BnC7dFh4JsGa6Ue)`,
				`API_KEY=ZqkLmWpxRtYvBnCdFhJsGaUeQwErTyUi`,
				// Test values spelled by hand, and sentinels.
				`optionsApiKey: 'gw_valid_api_key_12345',`,
				`apiKey: "m0-supersecretkey1234",`,
				`setCmd._action!("api_key", "m0-new-secret-key-abcd1234");`,
				`RUNSTATE_API_TOKEN = "RUNSTATE_SENTINEL_VALUE_42"`,
				`secret_key = "zxcvbnmQ7asdfghjklW3qwertyuiop"`,
				// Hashes of keys, constant names, model ids after a key
				// argument, samples in comments.
				`tracing_api_key_hash: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`,
				`SHA256_TOKEN_TO_REFRESH: "token_sha256_to_refresh"`,
				`model = SentenceTransformer(hf_token, "Qwen/Qwen3-Embedding-0.6B")`,
				`client, err := New(apiKey, "claude-3-haiku-20240307", DefaultBaseURL)`,
				`embed(api_key="Qwen/Qwen3-Embedding-0.6B")`,
				`# The api_key looks like "q8Zr2LwX9vKp4TnB7mYc1HsD6fJg3Ae5"`,
				`// Format of the header: auth_token = "q8Zr2LwX9vKp4TnB7mYc1HsD6fJg3Ae5"`,
				`// e.g. api_key: q8Zr2LwX9vKp4TnB7mYc1HsD6fJg3Ae5`,
				// Public by design: PostHog project keys ship in clients, as
				// do analytics SDKs' project tokens and client tokens.
				`const POSTHOG_API_KEY = "phc_q8Zr2LwX9vKp4TnB7mYc1HsD6fJg3Ae5Zq83kLmWp0x"`,
				`mixpanel_project_token = "8c1e7a92f04b6d35e9a1c7f2b8d40e63"`,
				"project_token = \"8c1e7a92f04b6d35e9a1c7f2b8d40e63\"\nself.mp = Mixpanel(project_token)",
				`private static TRUSTED_CLIENT_TOKEN = "7B5AA1D4EAFF4E9FB37E23D68491E7A5";`,
				"algolia: {\n  appId: \"NBR0FXJNGW\",\n  apiKey: \"8c1e7a92f04b6d35e9a1c7f2b8d40e63\",\n  indexName: \"docs\",\n}",
				// Made-up hex and interleaved sequences.
				`api_key = '5bf31ed2a0f0dd62609e51cd95deadbeefe7774f'`,
				`api_key = '1a2b3c4d5e6f7g8h9i0j'`,
			})
	}(),
}
