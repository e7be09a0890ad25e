package report

import (
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"app/main.py", "app/main.py"},
		{"dir with space/ü.py", "dir with space/ü.py"},
		{"a\x1bb", `"a\033b"`},
		{"x\x1b]52;c;SGVsbG8=\x07y", `"x\033]52;c;SGVsbG8=\ay"`},
		{"a\rb\nc\td", `"a\rb\nc\td"`},
		{"q\"\x1b\\", `"q\"\033\\"`},
		{"del\x7f", `"del\177"`},
		{"c1\u009b31m", `"c1\302\23331m"`},
		{"bidi\u202eyp.exe", `"bidi\342\200\256yp.exe"`},
		{"bad\xffutf8", `"bad\377utf8"`},
		{"ok \"quote\" only", "ok \"quote\" only"},
	} {
		got := Quote(tc.in)
		if got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
		for _, c := range got {
			if c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) {
				t.Errorf("Quote(%q) = %q still holds %U", tc.in, got, c)
			}
		}
	}
}

func FuzzQuote(f *testing.F) {
	f.Add("a\x1b[2Jb")
	f.Add("\u202e\xff")
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		if strings.ContainsFunc(q, func(r rune) bool {
			return r < 0x20 || r == 0x7f || isUnsafeRune(r) || r == '\uFFFD' && !strings.ContainsRune(s, '\uFFFD')
		}) {
			t.Fatalf("Quote(%q) = %q", s, q)
		}
		if q != s && (len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"') {
			t.Fatalf("changed but not quoted: %q", q)
		}
	})
}
