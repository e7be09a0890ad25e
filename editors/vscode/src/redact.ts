// Masks anything that looks like an API key in text bound for the output
// channel. The server already scrubs its own log lines, but the LSP trace
// (keyguard.trace.server) copies whole documents and quick-fix edits, which
// hold the keys keyguard is there to protect; the output is a log file on
// disk and ends up pasted into bug reports. Pure, for node --test.

// Distinctive prefixes of the providers' key formats (README's table);
// anything after them that is token-like and long enough is a key.
const PREFIXES = [
  'sk-', 'sk_', 'gsk_', 'xai-', 'pplx-', 'hf_', 'api_org_', 'r8_', 'lsv2_pt_', 'lsv2_sk_', 'nvapi-',
  'csk-', 'fw_', 'tvly-', 'fc-', 'jina_', 'pa-', 'flp_', 'tgp_v1_', 'AIza', 'AQ.', 'ai71-api-', 'MINIMAX-',
];

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// A token boundary: not inside a word, except right after a JSON escape
// (\n, \t, \r), which is how the trace shows a key at the start of a line.
const START = '(?:(?<![A-Za-z0-9_-])|(?<=\\\\[nrt]))';

// A prefix at a token boundary followed by at least 16 key characters.
const PREFIXED = new RegExp(`${START}(?:${PREFIXES.map(esc).join('|')})[A-Za-z0-9_.:-]{16,}`, 'g');
// Generic: 32+ token characters with both letters and digits (keys with no
// distinctive prefix: Mistral, Cohere, Azure). Fingerprints are 16 hex and
// stay readable.
const GENERIC = new RegExp(`${START}(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])`, 'g');

/** first 6 + "…" + last 4. */
export function maskKey(k: string): string {
  return k.length <= 10 ? '…' : `${k.slice(0, 6)}…${k.slice(-4)}`;
}

/** text with every key-like token masked. */
export function redact(text: string): string {
  return text.replace(PREFIXED, maskKey).replace(GENERIC, maskKey);
}
