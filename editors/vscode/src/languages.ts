// The languages whose files the server checks. package.json's
// activationEvents list the same ids (test/languages.test.ts keeps them in
// step). The server itself decides what to flag from the file's name and
// content, so a language missing here only means VS Code never sends the
// file; the list errs on the side of sending.
export const LANGUAGES = [
  'python',
  'javascript',
  'typescript',
  'javascriptreact',
  'typescriptreact',
  'vue',
  'svelte',
  'html',
  'go',
  'java',
  'kotlin',
  'scala',
  'groovy',
  'csharp',
  'fsharp',
  'c',
  'cpp',
  'ruby',
  'php',
  'rust',
  'shellscript',
  'powershell',
  'swift',
  'dart',
  'lua',
  'r',
  'elixir',
  'julia',
  'perl',
  'yaml',
  'github-actions-workflow',
  'dockercompose',
  'dockerfile',
  'json',
  'jsonc',
  'toml',
  'ini',
  'properties',
  'xml',
  'terraform',
  'markdown',
  'dotenv',
  'plaintext',
] as const;

/** .env, .env.local, .env.example …, whatever language VS Code gave them. */
export const ENV_PATTERN = '**/.env*';
