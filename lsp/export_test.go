package lsp

// SetMaxWorkspaceFindings lowers the workspace scan's cap for a test and
// returns the function that restores it.
func SetMaxWorkspaceFindings(n int) (restore func()) {
	old := maxWorkspaceFindings
	maxWorkspaceFindings = n
	return func() { maxWorkspaceFindings = old }
}
