// The status-bar model: the last probe verdict of each .env variable in the
// workspace, fed by keyguard/probeResult notifications and by the result of
// keyguard.checkEnv, and rendered to text + tooltip. Pure (no `vscode`
// import) so that node --test covers it.

import { createHash } from 'crypto';
import { fileURLToPath } from 'url';

/** params of keyguard/probeResult (lsp/probe.go ProbeResultParams). */
export interface ProbeResult {
  provider: string;
  secret: string; // masked by the server
  fingerprint: string;
  verdict: string;
  status: number;
  detail: string;
  requestId?: string;
  checkedAt: string; // RFC 3339
  cached: boolean;
  locations: { uri: string; line: number; var: string }[];
}

/** The answer to keyguard.checkEnv (`keyguard check --format json`). */
export interface CheckReport {
  results?: {
    file: string;
    line: number;
    var: string;
    provider: string;
    verdict: string;
    status?: number;
    detail?: string;
    requestId?: string;
  }[];
  issues?: { file: string; line: number; code: string; message: string }[];
}

export interface Entry {
  file: string; // file-system path
  line: number; // 1-based
  var: string;
  provider?: string;
  secret?: string; // masked
  fingerprint?: string;
  verdict: string;
  status?: number;
  detail?: string;
  requestId?: string;
  checkedAt?: string;
}

/** Verdicts (design.md, contract), worst first. */
export const VERDICT_ORDER = ['invalid', 'revoked', 'no-quota', 'restricted', 'rate-limited', 'unknown', 'skipped', 'valid'];

function rank(v: string): number {
  const i = VERDICT_ORDER.indexOf(v);
  return i < 0 ? VERDICT_ORDER.indexOf('unknown') : i;
}

/** first 6 + "…" + last 4, as everywhere in keyguard; idempotent. */
export function mask(s: string | undefined): string | undefined {
  if (s === undefined || s.includes('…')) return s;
  if (s.length <= 10) return '…';
  return `${s.slice(0, 6)}…${s.slice(-4)}`;
}

/** A file: URI's path, or the URI itself for other schemes. */
export function uriToPath(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return decodeURIComponent(uri.replace(/^file:\/\//, ''));
  }
}

const keyOf = (file: string, v: string) => `${file}\u0000${v}`;

export class ProbeState {
  private entries = new Map<string, Entry>();

  /** Records a keyguard/probeResult. Returns whether anything changed. */
  onProbeResult(p: ProbeResult): boolean {
    const upd = {
      provider: p.provider,
      secret: mask(p.secret),
      fingerprint: p.fingerprint,
      verdict: p.verdict,
      status: p.status,
      detail: p.detail,
      requestId: p.requestId,
      checkedAt: p.checkedAt,
    };
    let changed = false;
    for (const loc of p.locations ?? []) {
      const file = uriToPath(loc.uri);
      this.entries.set(keyOf(file, loc.var), { file, line: loc.line, var: loc.var, ...upd });
      changed = true;
    }
    // No location: the key came from a .env the editor has not open (a
    // checkEnv run). Update the variables already known to hold it.
    for (const e of this.entries.values()) {
      if (e.fingerprint !== undefined && e.fingerprint === p.fingerprint) {
        Object.assign(e, upd);
        changed = true;
      }
    }
    return changed;
  }

  /**
   * Records a checkEnv answer. Its rows are the whole truth for the files
   * they cover: variables of those files not in it are gone.
   */
  onCheckReport(r: CheckReport, now: Date = new Date()): void {
    const rows = r.results ?? [];
    const files = new Set(rows.map((x) => x.file));
    // The report has no masks or fingerprints: keep those the
    // notifications brought for the same variable.
    const prev = new Map(this.entries);
    for (const [k, e] of this.entries) if (files.has(e.file)) this.entries.delete(k);
    for (const x of rows) {
      this.entries.set(keyOf(x.file, x.var), {
        ...prev.get(keyOf(x.file, x.var)),
        file: x.file,
        line: x.line,
        var: x.var,
        provider: x.provider,
        verdict: x.verdict,
        status: x.status,
        detail: x.detail,
        requestId: x.requestId,
        checkedAt: now.toISOString(),
      });
    }
  }

  /** Whether a variable is known to hold the key with this fingerprint. */
  knows(fp: string): boolean {
    for (const e of this.entries.values()) if (e.fingerprint === fp) return true;
    return false;
  }

  /** Drops what is known about a file (deleted or renamed). */
  forget(file: string): void {
    for (const [k, e] of this.entries) if (e.file === file) this.entries.delete(k);
  }

  clear(): void {
    this.entries.clear();
  }

  list(): Entry[] {
    return [...this.entries.values()].sort(
      (a, b) => rank(a.verdict) - rank(b.verdict) || a.file.localeCompare(b.file) || a.line - b.line,
    );
  }
}

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

export interface Rendered {
  text: string;
  /** Markdown. */
  tooltip: string;
  /** Which status-bar background to use. */
  level: 'none' | 'warning' | 'error';
}

const BAD: Record<string, [string, string]> = {
  // verdict: [singular, plural] for the status-bar text
  invalid: ['invalid key', 'invalid keys'],
  revoked: ['revoked key', 'revoked keys'],
  'no-quota': ['key out of quota', 'keys out of quota'],
  restricted: ['restricted key', 'restricted keys'],
  'rate-limited': ['rate limited', 'rate limited'],
  unknown: ['key unverified', 'keys unverified'],
};

const ICON: Record<string, string> = {
  invalid: '$(warning)',
  revoked: '$(warning)',
  'no-quota': '$(warning)',
  restricted: '$(warning)',
  'rate-limited': '$(clock)',
  unknown: '$(question)',
};

/** Escapes text for a Markdown table cell. */
function md(s: string): string {
  return s.replace(/[\\`*_{}[\]<>|#]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/**
 * Renders the status-bar item. relative turns a path into what the user
 * should read (workspace-relative).
 */
export function render(
  entries: Entry[],
  opts: { server: ServerState; checking?: boolean; relative?: (file: string) => string },
): Rendered {
  const rel = opts.relative ?? ((f: string) => f);
  if (opts.server === 'failed') {
    return {
      text: '$(error) keyguard: server not running',
      tooltip: 'keyguard: the language server is not running. Click to try again; **keyguard: Show output** has the details.',
      level: 'error',
    };
  }
  const head = opts.checking ? '$(sync~spin) keyguard' : undefined;
  if (entries.length === 0) {
    return {
      text: head ?? '$(shield) keyguard',
      tooltip: opts.checking
        ? 'keyguard: checking .env keys…'
        : 'keyguard: no `.env` key checked yet. Click to **check .env keys now**.',
      level: 'none',
    };
  }
  const worst = entries.reduce((w, e) => (rank(e.verdict) < rank(w) ? e.verdict : w), 'valid');
  const nWorst = entries.filter((e) => rank(e.verdict) === rank(worst)).length;
  let text: string;
  let level: Rendered['level'] = 'none';
  if (BAD[worst] !== undefined) {
    const [one, many] = BAD[worst];
    text = `${ICON[worst]} keyguard: ${nWorst === 1 ? one : `${nWorst} ${many}`}`;
    level = rank(worst) <= rank('no-quota') ? 'error' : 'warning';
  } else if (worst === 'valid') {
    text = '$(check) keyguard';
  } else {
    text = '$(shield) keyguard'; // only skipped: probing is off or nothing to probe
  }
  const rows = entries.map((e) => {
    const where = `${md(e.var)} (${md(rel(e.file))}:${e.line})`;
    const key = e.secret ? `\`${e.secret.replace(/`/g, '')}\`` : '';
    const verdict = e.verdict + (e.status ? ` (${e.status})` : '');
    return `| ${where} | ${key} | ${verdict} |`;
  });
  // What the provider said, once per verdict, under the table: in a
  // column it would squeeze the masked keys into three lines.
  const details = new Map<string, string>();
  for (const e of entries) {
    if (e.detail && e.verdict !== 'valid' && !details.has(e.verdict)) details.set(e.verdict, firstSentence(e.detail));
  }
  const last = entries.map((e) => e.checkedAt ?? '').sort().pop();
  const when = last ? `last checked ${formatTime(last)}` : '';
  const tooltip = [
    '**keyguard** — keys in `.env`',
    '',
    '| variable | key | verdict |',
    '|---|---|---|',
    ...rows,
    '',
    ...[...details].map(([v, d]) => `*${v}*: ${md(d)}\n`),
    [when, 'click to check again'].filter(Boolean).join(' · '),
  ].join('\n');
  return { text: head ?? text, tooltip, level };
}

/** The detail's first sentence, at most 160 characters. */
function firstSentence(s: string): string {
  const m = /^(.+?[.!?])(\s|$)/.exec(s.trim());
  const t = m ? m[1] : s.trim();
  return t.length > 160 ? `${t.slice(0, 159)}…` : t;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A one-line summary of a checkEnv answer, for the notification. */
export function summarize(r: CheckReport): { text: string; bad: boolean } {
  const rows = r.results ?? [];
  const issues = r.issues ?? [];
  if (rows.length === 0 && issues.length === 0) return { text: 'keyguard: no keys found in .env files.', bad: false };
  const counts = new Map<string, number>();
  for (const x of rows) counts.set(x.verdict, (counts.get(x.verdict) ?? 0) + 1);
  const parts = [...counts.entries()]
    .sort((a, b) => rank(a[0]) - rank(b[0]))
    .map(([v, n]) => `${n} ${v}`);
  if (issues.length) parts.push(`${issues.length} hygiene issue${issues.length === 1 ? '' : 's'}`);
  const bad = rows.some((x) => rank(x.verdict) <= rank('no-quota')) || issues.length > 0;
  return { text: `keyguard: ${rows.length} key${rows.length === 1 ? '' : 's'} checked — ${parts.join(', ')}.`, bad };
}

/**
 * The arguments of the server command behind "Check .env keys now" (the
 * palette and a click on the status bar, which says "click to check
 * again"): an explicit request, so {"fresh": true} has the server ask each
 * provider again instead of repeating a verdict from its cache. Check
 * quota's paid request is never cached anyway.
 */
export function checkArguments(quota: boolean): unknown[] {
  return quota ? [] : [{ fresh: true }];
}

/** keyguard's fingerprint of a key: sha256, hex, first 16 (design.md). */
export function fingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * Finds the variables whose value has the fingerprint fp, in .env texts.
 *
 * keyguard/probeResult can arrive with no locations for a key of an open
 * .env (the server fills them from its last finished scan, and a probe
 * answered from the cache or by a loopback endpoint can beat the scan of a
 * document just opened). The extension then looks for the key itself: the
 * same .env syntax the status bar needs (export, quotes, comments) and the
 * hash, all in the extension host; no key leaves it.
 */
export function locate(fp: string, files: { file: string; text: string }[]): { file: string; line: number; var: string }[] {
  const out: { file: string; line: number; var: string }[] = [];
  for (const f of files) {
    const lines = f.text.split(/\r?\n/);
    lines.forEach((raw, i) => {
      const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(raw);
      if (!m) return;
      let v = m[2];
      const q = v[0];
      if ((q === '"' || q === "'" || q === '`') && v.indexOf(q, 1) > 0) v = v.slice(1, v.indexOf(q, 1));
      else v = v.replace(/\s+#.*$/, '').trim();
      const candidates = [v, v.trim(), v.replace(/^Bearer\s+/i, '').trim()];
      if (candidates.some((c) => c !== '' && fingerprint(c) === fp)) out.push({ file: f.file, line: i + 1, var: m[1] });
    });
  }
  return out;
}
