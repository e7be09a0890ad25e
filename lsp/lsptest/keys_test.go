package lsptest

import (
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/lsp"
)

// The template keys must be found, whole, as their provider's keys: the
// LSP tests rely on it.
func TestKeysAreDetected(t *testing.T) {
	want := map[string]string{"openai": "openai", "openai2": "openai", "anthropic": "anthropic", "groq": "groq"}
	for name, key := range Keys {
		fs := diagnostics.Default.Scan("app.py", []byte(`key = "`+key+`"`+"\n"))
		if len(fs) != 1 || fs[0].Key != key || fs[0].Provider != want[name] {
			t.Errorf("%s: findings %+v, want one %s finding of the whole key", name, fs, want[name])
		}
	}
}

func TestApplyTextEdits(t *testing.T) {
	got, err := ApplyTextEdits("a😀b\nc", []lsp.TextEdit{
		{Range: rng(0, 3, 0, 4), NewText: "X"},
		{Range: rng(1, 0, 1, 0), NewText: "Y"},
	})
	if err != nil || got != "a😀X\nYc" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := ApplyTextEdits("abc", []lsp.TextEdit{{Range: rng(0, 0, 0, 2)}, {Range: rng(0, 1, 0, 3)}}); err == nil {
		t.Fatal("overlapping edits applied")
	}
}

func rng(l1, c1, l2, c2 uint32) lsp.Range {
	return lsp.Range{Start: lsp.Position{Line: l1, Character: c1}, End: lsp.Position{Line: l2, Character: c2}}
}
