package diagnostics

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"
)

// Targets (docs/benchmarks.md): ≤ 0.3 ms per 1,000-line source file,
// ≤ 5 ms per 500 KB of minified JS, linear in size.

// sourceFile renders n lines of plausible Python with a key every 200 lines
// and look-alikes (sk- words, api_key names, hashes) in between.
func sourceFile(n int) []byte {
	r := rand.New(rand.NewSource(1))
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		switch {
		case i%200 == 0:
			fmt.Fprintf(&b, "GROQ_API_KEY = \"gsk_%s\"\n", randAlnum(r, 52))
		case i%50 == 0:
			fmt.Fprintf(&b, "api_key = os.environ[\"API_KEY\"]  # sk-learn style name, task-%d\n", i)
		case i%7 == 0:
			fmt.Fprintf(&b, "digest = \"%x\"  # not a key\n", r.Uint64())
		default:
			fmt.Fprintf(&b, "    result_%d = compute(value, index=%d, mode='fast')  # comment text here\n", i, i)
		}
	}
	return b.Bytes()
}

// minifiedJS renders size bytes of one-line minified JavaScript.
func minifiedJS(size int) []byte {
	r := rand.New(rand.NewSource(2))
	var b bytes.Buffer
	for b.Len() < size {
		fmt.Fprintf(&b, `function %s(e,t){var n=e.map(function(r){return r.key||t.apiKey});return n.filter(Boolean).join("-")}`, randAlnum(r, 6))
		if r.Intn(40) == 0 {
			fmt.Fprintf(&b, `var k="sk-proj-%sT3BlbkFJ%s";`, randAlnum(r, 40), randAlnum(r, 40))
		}
	}
	return b.Bytes()[:size]
}

func randAlnum(r *rand.Rand, n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, n)
	for i := range out {
		out[i] = chars[r.Intn(len(chars))]
	}
	return string(out)
}

func benchScan(b *testing.B, path string, content []byte) {
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		Default.Scan(path, content)
	}
}

func BenchmarkScan1000Lines(b *testing.B) { benchScan(b, "app.py", sourceFile(1000)) }

func BenchmarkScanMinified500KB(b *testing.B) { benchScan(b, "bundle.min.js", minifiedJS(500<<10)) }

func BenchmarkScan5MBLine(b *testing.B) { benchScan(b, "bundle.min.js", minifiedJS(5<<20)) }

func BenchmarkScanPeerFixtures(b *testing.B) {
	fixtures := loadPeerFixtures(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, fx := range fixtures {
			Default.Scan("fixture.txt", []byte(fx.Text))
		}
	}
}

// The CLI also decodes base64 / URL-encoded tokens (ScanEncoded): these
// time detection as `keyguard scan` runs it, against the same targets.
func benchScanWithEncoded(b *testing.B, path string, content []byte) {
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		ScanEncoded(path, content, Default.Scan(path, content))
	}
}

func BenchmarkScanWithEncoded1000Lines(b *testing.B) {
	benchScanWithEncoded(b, "app.py", sourceFile(1000))
}

func BenchmarkScanWithEncodedMinified500KB(b *testing.B) {
	benchScanWithEncoded(b, "bundle.min.js", minifiedJS(500<<10))
}

// BenchmarkEncodedOnly is the decoding pass alone, on text full of long
// base64-alphabet tokens (hashes, ids) that must be rejected cheaply.
func BenchmarkEncodedOnly(b *testing.B) {
	for _, c := range []struct {
		name    string
		content []byte
	}{{"1000Lines", sourceFile(1000)}, {"Minified500KB", minifiedJS(500 << 10)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.content)))
			for b.Loop() {
				ScanEncoded("x", c.content, nil)
			}
		})
	}
}
