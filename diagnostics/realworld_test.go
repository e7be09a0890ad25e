package diagnostics_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/walk"
)

// TestRealWorldCorpus scans public AI repositories (SDKs, cookbooks, agent
// frameworks, apps, and one secret scanner's test data) and holds every
// finding to the triage in testdata/realworld.tsv: a "fixture-key" row
// must still be found, an "fp", "typed", "public" or "comment" row must not
// be, and a finding with no row fails the test until someone triages it.
//
// The repositories are not in this repository. Set KEYGUARD_CORPUS to a
// directory holding each one, at the commit the table names, as a
// directory named after the repository (KEYGUARD_CORPUS/openai-python …;
// scripts/realworld-corpus builds it); repositories missing from it are
// skipped. How the corpus was built and
// the numbers it gives are in docs/benchmarks.md ("Precision").
func TestRealWorldCorpus(t *testing.T) {
	root := os.Getenv("KEYGUARD_CORPUS")
	if root == "" {
		t.Skip("KEYGUARD_CORPUS not set: no real-world corpus to scan")
	}
	rows, repos := loadRealWorld(t)
	var totalBytes int64
	var totalFindings, keys, fixtureKeys, otherFindings int
	for _, repo := range repos {
		dir := filepath.Join(root, path.Base(repo))
		if _, err := os.Stat(dir); err != nil {
			t.Logf("%s: not in the corpus, skipped", repo)
			continue
		}
		res := walk.Scan(context.Background(), []string{dir}, walk.Options{}, diagnostics.Default)
		totalBytes += res.Stats.Bytes
		found := map[string]diagnostics.Finding{}
		for _, f := range res.Findings {
			rel, err := filepath.Rel(dir, f.Path)
			if err != nil {
				t.Fatal(err)
			}
			found[rowKey(filepath.ToSlash(rel), f.Line, f.Format)] = f
		}
		totalFindings += len(found)
		for _, r := range rows[repo] {
			k := rowKey(r.path, r.line, r.rule)
			_, ok := found[k]
			switch r.verdict {
			case "fixture-key", "key":
				if !ok {
					t.Errorf("%s %s:%d: %s no longer found (%s)", repo, r.path, r.line, r.rule, r.note)
				}
				if r.verdict == "fixture-key" {
					fixtureKeys++
				} else {
					keys++
				}
			default:
				for _, g := range res.Findings {
					if rel, _ := filepath.Rel(dir, g.Path); filepath.ToSlash(rel) == r.path && g.Line == r.line {
						t.Errorf("%s %s:%d: reported as %s %s, but triaged %s: %s", repo, r.path, r.line, g.Format, g.Secret, r.verdict, r.note)
					}
				}
			}
			delete(found, k)
		}
		for k, f := range found {
			otherFindings++
			t.Errorf("%s: untriaged finding %s (%s %s): add a row to testdata/realworld.tsv", repo, k, f.Provider, f.Secret)
		}
	}
	mb := float64(totalBytes) / 1e6
	if mb > 0 {
		t.Logf("%.1f MB scanned: %d findings (%.3f per MB): %d keys, %d fixture keys, %d untriaged",
			mb, totalFindings, float64(totalFindings)/mb, keys, fixtureKeys, otherFindings)
	}
}

type realWorldRow struct {
	path, rule, verdict, note string
	line                      int
}

func rowKey(p string, line int, rule string) string { return fmt.Sprintf("%s:%d:%s", p, line, rule) }

// loadRealWorld reads testdata/realworld.tsv: rows by repository, and the
// repositories in the order of their "scanned" rows.
func loadRealWorld(t *testing.T) (map[string][]realWorldRow, []string) {
	f, err := os.Open("testdata/realworld.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string][]realWorldRow{}
	var repos []string
	sc := bufio.NewScanner(f)
	header := true
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 7 {
			t.Fatalf("realworld.tsv:%d: %d columns, want 7", n, len(c))
		}
		ln, err := strconv.Atoi(c[3])
		if err != nil {
			t.Fatalf("realworld.tsv:%d: line %q: %v", n, c[3], err)
		}
		switch c[5] {
		case "scanned":
			repos = append(repos, c[0])
		case "key", "fixture-key", "fp", "typed", "public", "comment":
			rows[c[0]] = append(rows[c[0]], realWorldRow{path: c[2], line: ln, rule: c[4], verdict: c[5], note: c[6]})
		default:
			t.Fatalf("realworld.tsv:%d: unknown verdict %q", n, c[5])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows, repos
}
