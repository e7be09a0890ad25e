package diagnostics

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// peerFixture is one case of testdata/peer-fixtures.jsonl: eight peer
// scanners' own true/false-positive examples for AI-provider keys (a copy of
// shared/anchors/peer-fixtures.jsonl; see peer-fixtures.md there).
type peerFixture struct {
	ID       string   `json:"id"`
	Provider string   `json:"provider"`
	Expect   string   `json:"expect"` // "secret" or "not-secret"
	Text     string   `json:"text"`
	Secret   *string  `json:"secret"`
	Secrets  []string `json:"secrets"`
	Filename string   `json:"filename"`
	Note     string   `json:"note"`
}

// disputed holds our decision for each case the peers disagree on. Only
// these may differ from the fixture's expectation, and each says why.
var disputed = map[string]struct {
	secret bool
	why    string
}{
	"gl-anthropic-007":   {false, "Anthropic keys end in AA; gitleaks, betterleaks and trufflehog require it, and a BB suffix is a corrupted or made-up key."},
	"kf-anthropic-003":   {false, "admin03 with a 101-character body and no AA suffix matches no key Anthropic issues; kingfisher's own bound (92-96) rejects it too."},
	"gl-huggingface-024": {false, "hf_ followed by 34 x is a placeholder: flagging it would train users to ignore the warning."},
	"sl-huggingface-001": {false, "same x-filled hf_ placeholder as gl-huggingface-024; secretlint is the only peer that flags it."},
	"th-huggingface-001": {true, "real Hugging Face tokens contain digits (trufflehog, kingfisher); letters-only patterns miss live tokens."},
	"sl-huggingface-003": {false, "'FakeFakeFake1…' is a repeated unit with one digit: a placeholder, whatever the character class."},
	"np-openai-001":      {true, "sk- + 48 alphanumerics is a key shape on its own (Stability AI's keys, mistyped OpenAI markers); a near-marker is no reason to stay silent."},
	"kf-openai-002":      {true, "the same key as np-openai-001 in a curl line."},
	"ds-openai-003":      {false, "sk-proj- + 20 + T4BlbkFJ + 20 is the short project form with a wrong marker: no provider issues it, and without the T3BlbkFJ marker only an OpenAI context would make it a key."},
	"sl-openai-006":      {false, "a marker-less sk-proj- string with the marker spelled 'abdcefgh' and a 'test' tail, bare: no OpenAI context."},
	"sl-openai-007":      {false, "as sl-openai-006 for sk-svcacct-."},
	"sl-openai-008":      {false, "as sl-openai-006 for sk-admin-."},
	"so-openai-006":      {true, "a marker-less sk-svcacct- key assigned to OPENAI_API_KEY: the variable says what it is (rule openai-unmarked-key)."},
}

func loadPeerFixtures(t testing.TB) []peerFixture {
	f, err := os.Open("testdata/peer-fixtures.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []peerFixture
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var p peerFixture
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("bad fixture line: %v", err)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPeerFixtures(t *testing.T) {
	fixtures := loadPeerFixtures(t)
	if len(fixtures) != 333 {
		t.Fatalf("expected 333 peer fixtures, got %d", len(fixtures))
	}
	seenDisputed := 0
	for _, fx := range fixtures {
		t.Run(fx.ID, func(t *testing.T) {
			name := fx.Filename
			if name == "" {
				name = "fixture.txt"
			}
			findings := Default.Scan(name, []byte(fx.Text))
			wantSecret := fx.Expect == "secret"
			if d, ok := disputed[fx.ID]; ok {
				seenDisputed++
				wantSecret = d.secret
			}
			if !wantSecret {
				for _, f := range findings {
					t.Errorf("not a secret, but found %s (%s) %s", f.Format, f.Provider, f.Secret)
				}
				return
			}
			want := fx.Secrets
			if len(want) == 0 && fx.Secret != nil {
				want = []string{*fx.Secret}
			}
			for _, key := range want {
				found := false
				for _, f := range findings {
					if f.Key == key {
						found = true
					}
				}
				if !found {
					t.Errorf("missed %s key %s… (found %v)", fx.Provider, Mask(key), formats(findings))
				}
			}
		})
	}
	if seenDisputed != len(disputed) {
		t.Errorf("disputed decisions for %d cases, but %d appear in the fixtures", len(disputed), seenDisputed)
	}
}
