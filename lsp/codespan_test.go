package lsp

import "testing"

func TestCodeSpan(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"app.py", "`app.py`"},
		{"a`[x](https://evil.test/)`b.py", "`` a`[x](https://evil.test/)`b.py ``"},
		{"``", "``` `` ```"},
		{"`![](https://evil.test/t.png)", "`` `![](https://evil.test/t.png) ``"},
		{"a\nb\x1b]52;c;x\x07", "`a\uFFFDb\uFFFD]52;c;x\uFFFD`"},
		{"", "``"},
	} {
		if got := codeSpan(tc.in); got != tc.want {
			t.Errorf("codeSpan(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
