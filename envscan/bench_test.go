package envscan

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// realisticEnv is a .env of n ordinary lines.
func realisticEnv(n int) []byte {
	var b strings.Builder
	for i := range n {
		switch i % 4 {
		case 0:
			b.WriteString("# section comment\n")
		case 1:
			b.WriteString("OPENAI_API_KEY=" + oaKey + "\n")
		case 2:
			b.WriteString("DATABASE_URL=\"postgres://user:pw@localhost:5432/db\" # local\n")
		case 3:
			b.WriteString("export FEATURE_FLAG='on'\n")
		}
	}
	return []byte(b.String())
}

func randomEnv(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = " =\"'#\nABCabc_\t\\$"[rng.IntN(16)]
	}
	return b
}

func BenchmarkParse(b *testing.B) {
	for _, in := range []struct {
		name string
		data []byte
	}{{"realistic-200-lines", realisticEnv(200)}, {"random-1MB", randomEnv(1 << 20)}} {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			for b.Loop() {
				Parse(".env", in.data)
			}
		})
	}
}

func BenchmarkHygiene(b *testing.B) {
	for _, in := range []struct {
		name string
		data []byte
	}{{"realistic-200-lines", realisticEnv(200)}, {"random-1MB", randomEnv(1 << 20)}} {
		b.Run(in.name, func(b *testing.B) {
			f := Parse(".env", in.data)
			b.SetBytes(int64(len(in.data)))
			for b.Loop() {
				Hygiene(f, in.data, HygieneOptions{Identify: prefixIdentify})
			}
		})
	}
}
