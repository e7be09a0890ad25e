// Command benchtree writes the benchmark tree for scripts/bench-scan: about
// -mb megabytes of source files in several languages, minified JavaScript,
// Markdown, lock files and binaries, with keys planted in known places and
// look-alikes (placeholders, hashes, prose) everywhere else. It prints the
// planted keys' fingerprints, one per line, to -manifest.
//
// The output is deterministic for a given -seed, so runs are comparable.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/keyguard/keyguard/diagnostics"
)

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

type gen struct {
	r       *rand.Rand
	planted []string
}

func (g *gen) str(n int, chars string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[g.r.Intn(len(chars))]
	}
	return string(b)
}

// key returns a fresh fake key in one of the common formats and records it.
func (g *gen) key() string {
	var k string
	switch g.r.Intn(7) {
	case 0:
		k = "sk-proj-" + g.str(74, alnum+"_-") + "T3BlbkFJ" + g.str(74, alnum+"_-")
	case 1:
		k = "sk-ant-api03-" + g.str(93, alnum+"_-") + "AA"
	case 2:
		k = "gsk_" + g.str(52, alnum)
	case 3:
		k = "AIzaSy" + g.str(33, alnum+"_-")
	case 4:
		k = "hf_" + g.str(34, alnum[:52])
	case 5:
		k = "xai-" + g.str(80, alnum)
	default:
		k = "sk-or-v1-" + g.str(64, "0123456789abcdef")
	}
	g.planted = append(g.planted, diagnostics.Fingerprint(k))
	return k
}

// lookalike is text that resembles a key but is not one.
func (g *gen) lookalike() string {
	switch g.r.Intn(6) {
	case 0:
		return `OPENAI_API_KEY = "sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"`
	case 1:
		return `api_key = os.environ["OPENAI_API_KEY"]  # your-api-key goes in .env`
	case 2:
		return fmt.Sprintf(`commit = "%s"`, g.str(40, "0123456789abcdef"))
	case 3:
		return `// see https://platform.openai.com/docs/quickstart for the sk- prefix`
	case 4:
		return fmt.Sprintf(`token_hash = "%s"`, g.str(64, "0123456789abcdef"))
	default:
		return `ANTHROPIC_API_KEY="<YOUR_ANTHROPIC_KEY>"`
	}
}

var langs = []struct{ ext, line string }{
	{".py", "    result_%d = compute(value, index=%d, mode='fast')  # comment text here\n"},
	{".js", "  const item%d = items.map((x) => x * %d).filter(Boolean);\n"},
	{".go", "\tv%d := process(ctx, %d) // keep going\n"},
	{".java", "        int total%d = accumulator.add(%d); // running sum\n"},
	{".ts", "  private readonly field%d: number = %d; // typed field\n"},
}

func main() {
	out := flag.String("out", "", "directory to write the tree into")
	manifest := flag.String("manifest", "", "file to write planted key fingerprints to")
	mb := flag.Int("mb", 100, "approximate size in MB")
	seed := flag.Int64("seed", 1, "random seed")
	rgPattern := flag.String("rg-pattern", "", "print ripgrep's pattern for the detector's prefilter literals instead: "+
		"'all' (prefixes, and the context words ignoring case) or 'prefixes'")
	flag.Parse()
	if *rgPattern != "" {
		fmt.Println(ripgrepPattern(*rgPattern == "all"))
		return
	}
	if *out == "" || *manifest == "" {
		log.Fatal("usage: benchtree -out DIR -manifest FILE [-mb 100]")
	}
	g := &gen{r: rand.New(rand.NewSource(*seed))}
	budget := int64(*mb) << 20
	var written int64
	write := func(rel string, content []byte) {
		path := filepath.Join(*out, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			log.Fatal(err)
		}
		written += int64(len(content))
	}
	// Shares of the budget: 45% source, 25% minified JS, 10% docs, 10% lock
	// files, 10% binaries.
	for i := 0; written < budget*45/100; i++ {
		l := langs[i%len(langs)]
		var b strings.Builder
		for n := 0; n < 600; n++ {
			switch {
			case n == 300 && i%4 == 0:
				fmt.Fprintf(&b, "API_KEY_%d = \"%s\"\n", n, g.key())
			case n%40 == 0:
				b.WriteString(g.lookalike() + "\n")
			default:
				fmt.Fprintf(&b, l.line, n, n)
			}
		}
		write(fmt.Sprintf("src/pkg%03d/file%05d%s", i%200, i, l.ext), []byte(b.String()))
	}
	for i := 0; written < budget*70/100; i++ {
		var b strings.Builder
		for b.Len() < 1500<<10 {
			fmt.Fprintf(&b, `function %s(e,t){var n=e.map(function(r){return r.key||t.apiKey});return n.filter(Boolean).join("-")}`, g.str(6, alnum[:52]))
			if g.r.Intn(2000) == 0 {
				fmt.Fprintf(&b, `var k="%s";`, g.key())
			}
		}
		write(fmt.Sprintf("web/dist/bundle%02d.min.js", i), []byte(b.String()))
	}
	for i := 0; written < budget*80/100; i++ {
		var b strings.Builder
		b.WriteString("# Setup\n\nPut your key in `.env` as `OPENAI_API_KEY=your-api-key`, never in code.\n\n")
		for b.Len() < 10<<10 {
			b.WriteString("Keys look like sk-proj-… and must stay secret; rotate them at the provider's dashboard when leaked.\n")
		}
		write(fmt.Sprintf("docs/page%04d.md", i), []byte(b.String()))
	}
	for i := 0; written < budget*90/100; i++ {
		var b strings.Builder
		for b.Len() < 1<<20 {
			fmt.Fprintf(&b, "    \"node_modules/pkg-%s\": {\"version\": \"1.%d.0\", \"integrity\": \"sha512-%s\"},\n", g.str(8, alnum[26:52]), g.r.Intn(99), g.str(86, alnum+"+/"))
		}
		write(fmt.Sprintf("locks/lock%02d.json", i), []byte(b.String()))
	}
	for i := 0; written < budget; i++ {
		b := make([]byte, 512<<10)
		g.r.Read(b)
		b[100] = 0
		write(fmt.Sprintf("assets/blob%02d.bin", i), b)
	}
	f, err := os.Create(*manifest)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, fp := range g.planted {
		fmt.Fprintln(w, fp)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	f.Close()
	fmt.Fprintf(os.Stderr, "wrote %d MB, %d planted keys\n", written>>20, len(g.planted))
}

// ripgrepPattern is one regex for the literals keyguard's prefilter looks
// for: the key prefixes as they are, and (with words) the context words
// inside (?i:…), as the detector matches them.
func ripgrepPattern(words bool) string {
	prefixes, ws := diagnostics.Default.PrefilterLiterals()
	quote := func(lits []string) string {
		q := make([]string, len(lits))
		for i, l := range lits {
			q[i] = regexp.QuoteMeta(l)
		}
		return strings.Join(q, "|")
	}
	p := quote(prefixes)
	if words {
		p += "|(?i:" + quote(ws) + ")"
	}
	return p
}
