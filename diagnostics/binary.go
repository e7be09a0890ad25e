package diagnostics

import "sync"

// binaryDetector is the built-in rule table in Binary mode,
// prefixDetector its prefix rules for decoded text.
var (
	binaryDetector = sync.OnceValue(func() *Detector {
		return New(Options{Binary: true, DisableClientSide: true})
	})
	prefixDetector = sync.OnceValue(func() *Detector {
		return New(Options{PrefixOnly: true, DisableClientSide: true})
	})
)

// ScanBinary finds keys in the content of a binary file (a committed
// __pycache__/*.pyc or .class file holds its source's string constants
// verbatim): prefix rules only, so the noise of binary data stays out,
// and a key may be glued to the length or type byte around it. Lines and
// columns count '\n' bytes, as `grep -a` does. Findings have no Context:
// the bytes beside a string in a binary are other strings, not its line,
// and must not route a probe (envscan.RouteKey).
func ScanBinary(path string, content []byte) []Finding {
	fs := binaryDetector().Scan("", content)
	for i := range fs {
		fs[i].Path = path
		fs[i].VarName = ""
	}
	return fs
}
