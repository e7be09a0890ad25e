package envfix

// AddToEnv plans putting key into a .env file (env: its content, nil when
// it does not exist) under name, with MoveToEnv's rules: a variable that
// already holds the key is reused (change is nil), a name taken by another
// value becomes NAME_2, NAME_3 …, and the appended line must read back as
// the key. It serves fixes that move a key out of another file, such as a
// real key found in .env.example.
func AddToEnv(env []byte, name, key string) (varName string, change *FileChange, err error) {
	varName, reused := chooseName(name, key, env)
	if reused {
		return varName, nil, nil
	}
	change = appendLine(env, varName+"="+quoteEnvValue(key))
	if err := verifyEnv(env, change, varName, key); err != nil {
		return "", nil, err
	}
	return varName, change, nil
}
