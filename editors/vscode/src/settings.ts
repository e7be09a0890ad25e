// VS Code settings → the server's `keyguard` settings section. Pure (no
// `vscode` import): the extension hands in WorkspaceConfiguration.inspect
// results, node --test hands in plain objects.
//
// The same object goes out as initializationOptions and as the answer to
// workspace/configuration, so the server never sees raw workspace values of
// the settings that decide where keys are sent.

/** What WorkspaceConfiguration.inspect returns, reduced to what we read. */
export interface Inspected<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/** Reads one key below `keyguard.` ("probe.enabled"). */
export type Inspect = <T>(key: string) => Inspected<T> | undefined;

/** The server's settings section (design.md, lsp/config.go Settings). */
export interface ServerSettings {
  probe: {
    enabled: boolean;
    onSave: boolean;
    ttlSeconds: number;
    allowedHosts: string[];
    /** Probe hardcoded keys too: a live one becomes an error, a dead one a hint. */
    hardcoded: boolean;
  };
  rotation: {
    /** Remind to rotate a .env key whose `# created` date is older; 0 is off. */
    maxAgeDays: number;
  };
  endpoints: Record<string, string>;
  severity: Record<string, Severity>;
  ignore: string[];
  /**
   * Sent in initializationOptions (and, being the same object, in every
   * workspace/configuration answer, where the server ignores it): the
   * extension vouches that endpoints and probe.allowedHosts were filtered
   * here (allowedHosts from user settings only, workspace endpoints only
   * for allowed hosts and never in Restricted Mode), so the server may take
   * them from workspace/configuration too (README, Trust model;
   * lsp/config.go). Without it the server drops a user's later endpoint
   * change made while VS Code runs.
   */
  trustedSettings: true;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint' | 'off';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint', 'off'];

/** The diagnostic codes the server publishes (design.md, contract). */
export const CODES = [
  'hardcoded-key',
  'client-side-key',
  'env-key-invalid',
  'env-key-revoked',
  'env-key-no-quota',
  'env-key-restricted',
  'env-key-unverified',
  'env-format',
  'env-not-ignored',
  'env-key-rotate',
] as const;

export interface Mapped {
  settings: ServerSettings;
  /** Values that were dropped, one human sentence each (for the output). */
  warnings: string[];
}

/** The effective value: folder over workspace over user over default. */
function effective<T>(i: Inspected<T> | undefined, trusted: boolean, restricted: boolean): T | undefined {
  if (!i) return undefined;
  // VS Code 1.100 hides restricted workspace values from get() and
  // inspect() in Restricted Mode (the e2e test saw it); filter here too,
  // so the guarantee does not rest on one editor version's behaviour.
  const ws = trusted || !restricted;
  if (ws && i.workspaceFolderValue !== undefined) return i.workspaceFolderValue;
  if (ws && i.workspaceValue !== undefined) return i.workspaceValue;
  if (i.globalValue !== undefined) return i.globalValue;
  return i.defaultValue;
}

function bool(v: unknown, dflt: boolean): boolean {
  return typeof v === 'boolean' ? v : dflt;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : [];
}

/** The host of a URL, lower-cased, or undefined when it does not parse. */
export function hostOf(u: string): string | undefined {
  try {
    return new URL(u).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
}

/**
 * Whether host is on the allowlist. Entries are host names, optionally
 * with a port or a scheme (people paste URLs), or "*.example.com".
 */
export function hostAllowed(host: string, allowed: string[]): boolean {
  for (let a of allowed) {
    a = a.toLowerCase();
    if (a.includes('://')) a = hostOf(a) ?? a;
    // host:port, but not an IPv6 address (several colons).
    if ((a.match(/:/g) ?? []).length === 1) a = a.replace(/:\d+$/, '');
    a = a.replace(/^\[|\]$/g, '');
    if (a === host) return true;
    if (a.startsWith('*.') && host.endsWith(a.slice(1))) return true;
  }
  return false;
}

/**
 * Maps the settings. trusted is vscode.workspace.isTrusted.
 *
 * Where keys may go is the user's decision, never the repository's
 * (design.md): probe.allowedHosts is read from user settings only, and an
 * endpoint set in workspace or folder settings is kept only when its host
 * is on that user-level allowlist. In Restricted Mode workspace endpoints
 * are dropped altogether.
 */
export function mapSettings(inspect: Inspect, trusted: boolean): Mapped {
  const warnings: string[] = [];
  const get = <T>(key: string, restricted = false) => effective<T>(inspect<T>(key), trusted, restricted);

  const allowedHosts = strings(inspect<string[]>('probe.allowedHosts')?.globalValue);
  const ttl = get<number>('probe.ttlSeconds');
  const maxAge = get<number>('rotation.maxAgeDays');

  const endpoints: Record<string, string> = {};
  const epi = inspect<Record<string, unknown>>('endpoints');
  const addEndpoints = (vals: Record<string, unknown> | undefined, fromWorkspace: boolean) => {
    if (!vals || typeof vals !== 'object') return;
    for (const [provider, url] of Object.entries(vals)) {
      if (typeof url !== 'string' || url.trim() === '') {
        if (url === '' || url === null) delete endpoints[provider]; // a way to unset a user value
        continue;
      }
      const host = hostOf(url.trim());
      if (host === undefined) {
        warnings.push(`keyguard.endpoints.${provider}: "${url}" is not a URL; ignored.`);
        continue;
      }
      if (fromWorkspace && !trusted) {
        warnings.push(`keyguard.endpoints.${provider} from the workspace is ignored in Restricted Mode.`);
        continue;
      }
      if (fromWorkspace && !hostAllowed(host, allowedHosts)) {
        warnings.push(
          `keyguard.endpoints.${provider} from the workspace points at ${host}, which is not in your user setting keyguard.probe.allowedHosts; ignored.`,
        );
        continue;
      }
      endpoints[provider] = url.trim();
    }
  };
  addEndpoints(epi?.defaultValue, false);
  addEndpoints(epi?.globalValue, false);
  addEndpoints(epi?.workspaceValue, true);
  addEndpoints(epi?.workspaceFolderValue, true);

  const severity: Record<string, Severity> = {};
  const sv = get<Record<string, unknown>>('severity');
  if (sv && typeof sv === 'object') {
    for (const [code, level] of Object.entries(sv)) {
      if (!(CODES as readonly string[]).includes(code)) {
        warnings.push(`keyguard.severity: unknown diagnostic code "${code}"; ignored.`);
        continue;
      }
      if (typeof level !== 'string' || !SEVERITIES.includes(level as Severity)) {
        warnings.push(`keyguard.severity.${code}: "${String(level)}" is not one of ${SEVERITIES.join(', ')}; ignored.`);
        continue;
      }
      severity[code] = level as Severity;
    }
  }

  return {
    settings: {
      probe: {
        enabled: bool(get('probe.enabled'), true),
        onSave: bool(get('probe.onSave'), true),
        ttlSeconds: typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0 ? Math.floor(ttl) : 600,
        allowedHosts,
        hardcoded: bool(get('probe.hardcoded'), true),
      },
      rotation: {
        // Whole days; 0 or less turns the reminder off (the server's rule).
        maxAgeDays: typeof maxAge === 'number' && Number.isFinite(maxAge) ? Math.max(0, Math.floor(maxAge)) : 90,
      },
      endpoints,
      severity,
      ignore: strings(get('ignore')),
      trustedSettings: true,
    },
    warnings,
  };
}

/**
 * keyguard.server.path, trust-filtered: a workspace must not pick the
 * program the editor runs unless the user trusts it.
 */
export function serverPath(inspect: Inspect, trusted: boolean): string {
  const v = effective<string>(inspect<string>('server.path'), trusted, true);
  return typeof v === 'string' ? v : '';
}

/** Settings whose change means the server process must be restarted. */
export const RESTART_KEYS = ['keyguard.server.path'];
