package baseline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
)

func TestRoundTrip(t *testing.T) {
	fs := []diagnostics.Finding{
		{Path: "b/x.py", Line: 3, Rule: "r", Fingerprint: "0123456789abcdef", Key: "secret-key-value-123", Secret: "secret…-123"},
		{Path: "a.py", Line: 1, Rule: "r", Fingerprint: "fedcba9876543210", Key: "other-key-value-456"},
		{Path: "a.py", Line: 1, Rule: "r", Fingerprint: "fedcba9876543210"}, // duplicate entry
	}
	p := filepath.Join(t.TempDir(), "b.json")
	if err := Write(p, fs, []string{"c1", "c2", "c2"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	if strings.Contains(string(data), "key-value") || strings.Contains(string(data), "…") {
		t.Fatalf("baseline holds a key:\n%s", data)
	}
	if strings.Count(string(data), "fingerprint") != 2 || strings.Index(string(data), "a.py") > strings.Index(string(data), "b/x.py") {
		t.Errorf("entries not deduplicated and sorted:\n%s", data)
	}
	b, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    diagnostics.Finding
		want bool
	}{
		{diagnostics.Finding{Path: "b/x.py", Line: 40, Fingerprint: "0123456789abcdef"}, true}, // moved line
		{diagnostics.Finding{Path: "c.py", Fingerprint: "0123456789abcdef"}, false},            // new place
		{diagnostics.Finding{Path: "a.py", Fingerprint: "0123456789abcdef"}, false},            // other key
	} {
		if got := b.Contains(tc.f); got != tc.want {
			t.Errorf("Contains(%s %s) = %v", tc.f.Path, tc.f.Fingerprint, got)
		}
	}
	var nilB *Baseline
	if nilB.Contains(fs[0]) {
		t.Errorf("nil baseline contains a finding")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"notjson": "sk-proj-",
		"version": `{"version":2,"findings":[]}`,
		"nofp":    `{"version":1,"findings":[{"path":"a.py"}]}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := Load(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
