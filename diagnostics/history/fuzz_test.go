package history

import (
	"bufio"
	"bytes"
	"context"
	"strings"
	"testing"
)

// FuzzParseLog feeds arbitrary bytes as `git log --raw -z` output: paths
// come from the repository, which may be hostile, so the parser must never
// panic and never queue a blob without a commit.
func FuzzParseLog(f *testing.F) {
	id := strings.Repeat("ab", 20)
	zero := strings.Repeat("0", 40)
	f.Add([]byte("\x00C" + id + " 2024-01-01T00:00:00+00:00\x00\n:000000 100644 " + zero + " " + id + " A\x00a.py\x00"))
	f.Add([]byte(":100644 100644 " + id + " " + id + " M\x00before-any-commit\x00"))
	f.Add([]byte("\x00C\x00\n:160000 160000 " + zero + " " + id + " M\x00sub\x00:120000 120000 x y T\x00\xff\xfe\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &scan{pathIndex: map[string]int32{}, occ: map[string][]occurrence{}, queued: map[string]bool{}}
		jobs := make(chan job)
		done := make(chan int)
		go func() {
			n := 0
			for range jobs {
				n++
			}
			done <- n
		}()
		err := s.parseLog(context.Background(), bufio.NewReaderSize(bytes.NewReader(data), 16), jobs)
		close(jobs)
		n := <-done
		if err != nil {
			t.Fatalf("parseLog: %v", err)
		}
		if n > 0 && len(s.commits) == 0 {
			t.Fatalf("%d blobs queued without a commit", n)
		}
		for id, occs := range s.occ {
			for _, o := range occs {
				if int(o.path) >= len(s.paths) || int(o.commit) >= len(s.commits) || o.commit < 0 {
					t.Fatalf("blob %s: bad occurrence %+v", id, o)
				}
			}
		}
	})
}

// A path longer than maxToken (tree entry names have no limit in git's
// objects, and compress to nothing) is skipped and counted, never kept;
// the paths around it still are.
func TestParseLogLongPath(t *testing.T) {
	id := strings.Repeat("ab", 20)
	cd := strings.Repeat("cd", 20)
	zero := strings.Repeat("0", 40)
	long := strings.Repeat("a", 4<<20) + ".py"
	data := "\x00C" + id + " 2024-01-01T00:00:00+00:00\x00\n" +
		":000000 100644 " + zero + " " + id + " A\x00" + long + "\x00" +
		":000000 100644 " + zero + " " + cd + " A\x00ok.py\x00"
	s := &scan{pathIndex: map[string]int32{}, occ: map[string][]occurrence{}, queued: map[string]bool{}}
	jobs := make(chan job, 4)
	if err := s.parseLog(context.Background(), bufio.NewReaderSize(strings.NewReader(data), 64<<10), jobs); err != nil {
		t.Fatal(err)
	}
	close(jobs)
	var got []string
	for j := range jobs {
		got = append(got, j.path)
	}
	if s.longPaths != 1 || len(got) != 1 || got[0] != "ok.py" || len(s.paths) != 1 {
		t.Errorf("longPaths %d, queued %q, %d paths kept", s.longPaths, got, len(s.paths))
	}
}
