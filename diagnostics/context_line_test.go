package diagnostics

import (
	"strings"
	"testing"
)

// A finding's Context is the key's line, as the language server takes it
// for a probe: from plain text and .env files (with Options.LineContext),
// and the encoded text's line for an encoded key; a key in a binary has
// none, so nothing beside it can route a probe. A minified file's line is
// cut LineWindow bytes either side. The default detector keeps no lines.
func TestFindingContext(t *testing.T) {
	withLines := New(Options{LineContext: true})
	long := strings.Repeat("a", 2*LineWindow)
	tests := []struct {
		name, path, text string
		scan             func(path string, content []byte) []Finding
		want             string
	}{
		{"plain", "app.py", "import os\nclient = Groq(api_key=\"" + encGroq + "\")\nx = 1\n", withLines.Scan,
			"client = Groq(api_key=\"" + encGroq + "\")"},
		{"crlf file", "app.py", "a = 1\r\nk = \"" + encGroq + "\"\r\n", withLines.Scan, "k = \"" + encGroq + "\"\r"},
		{"committed env", ".env", "X=1\nGROQ_API_KEY=" + encGroq + "\n", withLines.ScanCommittedEnv, "GROQ_API_KEY=" + encGroq},
		{"long line", "app.min.js", long + "k=\"" + encGroq + "\";" + long + "\n", withLines.Scan,
			long[:LineWindow-3] + "k=\"" + encGroq + "\";" + long[:LineWindow-len(encGroq)-2]},
		{"encoded", "secret.yaml", "data:\n  GROQ_API_KEY: " + b64(encGroq) + "\n", func(p string, c []byte) []Finding {
			return ScanEncoded(p, c, Default.Scan(p, c))
		}, "  GROQ_API_KEY: " + b64(encGroq)},
		{"default detector", "app.py", "k = \"" + encGroq + "\"\n", Default.Scan, ""},
		{"binary", "app.pyc", "\x00\x01groq\x00\x07" + encGroq + "\x00groq client\n", ScanBinary, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := tt.scan(tt.path, []byte(tt.text))
			if len(fs) != 1 {
				t.Fatalf("%d findings: %+v", len(fs), fs)
			}
			if got := fs[0].Context; got != tt.want {
				t.Errorf("context %q, want %q", Mask(got), Mask(tt.want))
			}
		})
	}
}

func TestLineAround(t *testing.T) {
	text := []byte("ab\ncdef\n\ngh")
	for _, tt := range []struct {
		i    int
		want string
	}{{0, "ab"}, {2, "ab"}, {3, "cdef"}, {7, "cdef"}, {8, ""}, {9, "gh"}, {11, "gh"}, {-1, ""}, {12, ""}} {
		if got := LineAround(text, tt.i); got != tt.want {
			t.Errorf("LineAround(%d) = %q, want %q", tt.i, got, tt.want)
		}
	}
}

// LineAround never crosses a line, never exceeds its window, and is the
// text around i: what is before i on i's line ends it, what follows starts.
func FuzzLineAround(f *testing.F) {
	f.Add([]byte("ab\ncdef\n"), 4)
	f.Add([]byte(strings.Repeat("x", 3*LineWindow)), LineWindow+7)
	f.Fuzz(func(t *testing.T, text []byte, i int) {
		got := LineAround(text, i)
		if i < 0 || i > len(text) {
			if got != "" {
				t.Fatalf("offset %d outside %d bytes gave %q", i, len(text), got)
			}
			return
		}
		if strings.Contains(got, "\n") || len(got) > 2*LineWindow {
			t.Fatalf("%d bytes, crossing a line: %q", len(got), got)
		}
		lo := strings.LastIndexByte(string(text[:i]), '\n') + 1
		before := string(text[max(lo, i-LineWindow):i])
		if !strings.HasPrefix(got, before) || !strings.HasPrefix(string(text[i-len(before):]), got) {
			t.Fatalf("LineAround(%d) = %q, not the text around it", i, got)
		}
	})
}
