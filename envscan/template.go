package envscan

// IsTemplate reports whether the file at path is a committed .env template
// (.env.example, .env.sample, env.template …): its keys are placeholders,
// and a real one there is a leak (CheckKeyInExample).
func IsTemplate(path string) bool { return isExampleFile(path) }
