package history

import (
	"context"
	"os"
	"testing"
)

// BenchmarkRealHistory scans the repository named by $KEYGUARD_HISTORY_REPO
// (e.g. a bare clone of openai/openai-python); docs/benchmarks.md has the
// numbers.
func BenchmarkRealHistory(b *testing.B) {
	dir := os.Getenv("KEYGUARD_HISTORY_REPO")
	if dir == "" {
		b.Skip("set KEYGUARD_HISTORY_REPO to a repository")
	}
	for b.Loop() {
		res, err := Scan(context.Background(), dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Stats.Bytes)/1e6, "MB")
	}
}
