package diagnostics

import (
	"regexp"
	"testing"
)

// TestRuleExamples runs every rule's own true- and false-positive examples,
// as gitleaks' rule files do.
func TestRuleExamples(t *testing.T) {
	for _, r := range rules {
		if len(r.tps) == 0 || len(r.fps) == 0 {
			t.Errorf("rule %s: needs at least one true- and one false-positive example", r.id)
		}
		for _, tp := range r.tps {
			found := false
			for _, f := range Default.Scan("example.txt", []byte(tp)) {
				if f.Format == r.id {
					found = true
				}
			}
			if !found {
				t.Errorf("rule %s: missed its example %q (got %v)", r.id, tp, formats(Default.Scan("example.txt", []byte(tp))))
			}
		}
		for _, fp := range r.fps {
			for _, f := range Default.Scan("example.txt", []byte(fp)) {
				t.Errorf("rule %s: false-positive example %q reported as %s %s", r.id, fp, f.Format, f.Secret)
			}
		}
	}
}

func formats(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Format+":"+f.Secret)
	}
	return out
}

func TestProvidersCoverRules(t *testing.T) {
	for _, r := range rules {
		if _, ok := ProviderByID(r.provider); !ok {
			t.Errorf("rule %s: provider %q missing from the providers table", r.id, r.provider)
		}
	}
}

// The run check must never reject a match: wherever a rule's regexp
// matches in its examples, a run of at least minLen bytes of runBytes starts.
func TestRegexpShape(t *testing.T) {
	for _, r := range rules {
		if r.minLen < 3 {
			t.Errorf("rule %s: minLen %d, want the key's real minimum", r.id, r.minLen)
		}
		for _, tp := range r.tps {
			for i := range len(tp) {
				if m := r.re.FindStringIndex(tp[i:]); m != nil && !runAtLeast([]byte(tp[i:]), r.minLen, r.runBytes) {
					t.Errorf("rule %s: the run check rejects its match %q", r.id, tp[i:i+m[1]])
				}
			}
		}
	}
	cases := []struct {
		re   string
		min  int
		in   string
		nots string
	}{
		{`^(?:gsk_[A-Za-z0-9]{52})`, 56, "gsk_Az09", "-.\xff"},
		{`^(?:sk-(?:proj|svcacct)-[A-Za-z0-9_-]{16,200}T3BlbkFJ)`, 3 + 4 + 1 + 16 + 8, "sk-projT3BlbkFJ_", ".\x00"},
		{`^(?:a|bcd)x*`, 1, "abcdx", "y"},
		{`^(?:é{2})`, 4, "\xc3\xa9", "a"},
		{`^(?i:ab)`, 2, "aAbB", "c"},
	}
	for _, c := range cases {
		n, set := regexpShape(regexp.MustCompile(c.re))
		if n != c.min {
			t.Errorf("%s: minLen %d, want %d", c.re, n, c.min)
		}
		for _, b := range []byte(c.in) {
			if !set[b] {
				t.Errorf("%s: byte %q missing from the set", c.re, b)
			}
		}
		for _, b := range []byte(c.nots) {
			if set[b] {
				t.Errorf("%s: byte %q in the set", c.re, b)
			}
		}
	}
}

// TestRuleIDs pins which rule (and provider) reports a key where several
// could: the finding's rule id tells the user what leaked, and envscan
// routes probes by the provider.
func TestRuleIDs(t *testing.T) {
	sk48 := "sk-" + "nwvJypEMFNASJLiPBgNnzJj1xsDwlHChbFRMNwVkzy3e4UJg"
	cases := []struct{ text, rule, provider string }{
		{`key = 'sk-admin-ypbUmRYErPxz0fcyyH6sFBMM_WB57Xaq0prNvasOOWkhbEQfpBxgV42jS3T3BlbkFJmqB_sfX3A5MyI7ayjdxUChH8h6cDuu1Xc1X'`, "openai-admin-key", "openai"},
		{`sk-proj-mpjtr05CFsJqs4TAeKlCT3BlbkFJsh1KtN0SUjTPeJiagE8K`, "openai-project-key", "openai"},
		// sk- + 48 is shared: the name nearby says whose it is, and
		// without one the finding does not guess.
		{`STABILITY_API_KEY=` + sk48, "stability-api-key", "stability"},
		{`BRAINTRUST_API_KEY=` + sk48, "braintrust-api-key", "braintrust"},
		{`const braintrust = initLogger({ apiKey: "` + sk48 + `" })`, "braintrust-api-key", "braintrust"},
		{`key = "` + sk48 + `"`, "sk-48-key", "sk-48"},
		{`OPENAI_API_KEY="` + sk48 + `"`, "openai-unmarked-key", "openai"},
	}
	for _, c := range cases {
		fs := Default.Scan("example.txt", []byte(c.text))
		if len(fs) != 1 || fs[0].Format != c.rule || fs[0].Provider != c.provider {
			t.Errorf("%q: got %v, want one %s (%s)", c.text, formats(fs), c.rule, c.provider)
		}
	}
}

// A shared shape names no SDK's variable: API_KEY is nobody's in
// particular, so a key under it is never "the wrong provider's".
func TestProviderForVarSkipsShapes(t *testing.T) {
	if p, ok := ProviderForVar("API_KEY"); ok {
		t.Errorf("ProviderForVar(API_KEY) = %s, want none", p.ID)
	}
	if p, ok := ProviderForVar("BRAINTRUST_API_KEY"); !ok || p.ID != "braintrust" {
		t.Errorf("ProviderForVar(BRAINTRUST_API_KEY) = %v %v, want braintrust", p.ID, ok)
	}
}
