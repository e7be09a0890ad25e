package diagnostics

import (
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
