package envfix

import (
	"os"
	"testing"
)

// MissingTool skips a test that needs a tool which is not installed, or
// fails it under CI=true, where every required tool must be there
// (scripts/test-deps installs them): CI must really run the languages.
func MissingTool(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not installed (CI=true requires it; see testdata/checkers.txt and scripts/test-deps)", what)
	}
	t.Skipf("%s not installed", what)
}
