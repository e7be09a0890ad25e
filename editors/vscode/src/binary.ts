// Finding the keyguard binary. Pure: no `vscode` import, and the file system
// is passed in (nodeProbe in the extension), so that node --test covers
// every branch (test/binary.test.ts).

import * as fs from 'fs';
import * as path from 'path';

/** Where a candidate came from, in lookup order. */
export type Source = 'setting' | 'bundled' | 'path';

export interface Candidate {
  source: Source;
  path: string;
}

/** The file-system facts the lookup needs; fs-backed in the extension. */
export interface Probe {
  /** 'file', 'dir' or undefined when nothing is there. */
  kind(p: string): 'file' | 'dir' | undefined;
  /** Whether the current user may execute p (always true on Windows). */
  executable(p: string): boolean;
  /** The first bytes of p (at least 20), or undefined when unreadable. */
  head(p: string): Uint8Array | undefined;
}

export interface LookupInput {
  /** keyguard.server.path, already trust-filtered; '' when unset. */
  setting: string;
  /** The extension's install directory (holds bin/ in platform vsix files). */
  extensionPath: string;
  platform: NodeJS.Platform;
  arch: string;
  /** process.env.PATH */
  envPath: string;
}

export type Lookup =
  | { ok: true; path: string; source: Source; tried: Problem[] }
  | { ok: false; problems: Problem[]; message: string };

export interface Problem {
  candidate: Candidate;
  reason: string;
}

/** The name of the server binary on a platform. */
export function binaryName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'keyguard.exe' : 'keyguard';
}

/**
 * The candidates in lookup order. An explicit keyguard.server.path is the
 * only candidate: a user who names a binary wants that one, and quietly
 * starting another (an old one on PATH) would hide their mistake.
 */
export function candidates(input: LookupInput): Candidate[] {
  if (input.setting.trim() !== '') {
    return [{ source: 'setting', path: expandHome(input.setting.trim()) }];
  }
  const name = binaryName(input.platform);
  // Paths are joined with the target platform's separator, so that the
  // tests can ask about Windows on Linux.
  const join = input.platform === 'win32' ? path.win32.join : path.posix.join;
  const out: Candidate[] = [{ source: 'bundled', path: join(input.extensionPath, 'bin', name) }];
  const sep = input.platform === 'win32' ? ';' : ':';
  for (const dir of input.envPath.split(sep)) {
    // An empty PATH entry means the current directory, which for an editor
    // is wherever it was started from: never run a binary from there.
    if (dir === '') continue;
    // Only keyguard.exe on Windows, not a .cmd/.bat of that name: the
    // server speaks LSP on stdio and must be spawned without a shell.
    out.push({ source: 'path', path: join(dir, name) });
  }
  return out;
}

function expandHome(p: string): string {
  const home = process.env.HOME || process.env.USERPROFILE;
  if (home && (p === '~' || p.startsWith('~/'))) return path.join(home, p.slice(1));
  return p;
}

/**
 * Checks one candidate: present, a file, executable and built for this
 * platform. Returns the reason it is unusable, or undefined when it looks
 * runnable. The format check matters because spawning a wrong-platform
 * binary does not always fail: glibc's execvp hands a file it cannot exec
 * to /bin/sh, which then prints "cannot execute binary file" and exits 126,
 * which looks like a crash loop rather than a setup problem.
 */
export function check(c: Candidate, probe: Probe, platform: NodeJS.Platform, arch: string): string | undefined {
  const kind = probe.kind(c.path);
  if (kind === undefined) return 'not found';
  if (kind === 'dir') return 'is a directory, not the keyguard binary';
  if (platform !== 'win32' && !probe.executable(c.path)) return 'is not executable (chmod +x it)';
  const head = probe.head(c.path);
  if (head === undefined) return 'cannot be read';
  const fmt = executableFormat(head);
  const want = expectedFormat(platform, arch);
  if (fmt === undefined) {
    // A shell script wrapper is a fine way to start the server.
    if (platform !== 'win32' && head[0] === 0x23 && head[1] === 0x21) return undefined;
    return `is not a ${want.os} executable`;
  }
  if (fmt.os !== want.os) return `is a ${fmt.os} binary; this is ${want.os} (wrong platform)`;
  // Apple Silicon runs x64 binaries through Rosetta, and universal binaries
  // carry both: only insist on the architecture elsewhere.
  if (fmt.arch !== 'any' && want.arch !== 'any' && fmt.arch !== want.arch && !(platform === 'darwin' && fmt.arch === 'x64')) {
    return `is built for ${fmt.arch}; this machine is ${want.arch} (wrong architecture)`;
  }
  return undefined;
}

export interface Format {
  os: 'linux' | 'darwin' | 'windows';
  arch: 'x64' | 'arm64' | 'ia32' | 'arm' | 'any' | 'other';
}

function expectedFormat(platform: NodeJS.Platform, arch: string): { os: Format['os']; arch: string } {
  const os = platform === 'win32' ? 'windows' : platform === 'darwin' ? 'darwin' : 'linux';
  const a = ['x64', 'arm64', 'ia32', 'arm'].includes(arch) ? arch : 'any';
  return { os, arch: a };
}

/** Reads the executable format from a file's first bytes (ELF, Mach-O, PE). */
export function executableFormat(h: Uint8Array): Format | undefined {
  const u16le = (o: number) => h[o] | (h[o + 1] << 8);
  const u32le = (o: number) => (h[o] | (h[o + 1] << 8) | (h[o + 2] << 16) | (h[o + 3] << 24)) >>> 0;
  if (h.length >= 20 && h[0] === 0x7f && h[1] === 0x45 && h[2] === 0x4c && h[3] === 0x46) {
    // ELF: e_machine at offset 18, in the file's byte order (EI_DATA).
    const m = h[5] === 2 ? (h[18] << 8) | h[19] : u16le(18);
    const arch = m === 0x3e ? 'x64' : m === 0xb7 ? 'arm64' : m === 0x03 ? 'ia32' : m === 0x28 ? 'arm' : 'other';
    return { os: 'linux', arch };
  }
  if (h.length >= 8) {
    const magic = u32le(0);
    if (magic === 0xfeedfacf || magic === 0xfeedface) {
      const cpu = u32le(4);
      const arch = cpu === 0x01000007 ? 'x64' : cpu === 0x0100000c ? 'arm64' : cpu === 7 ? 'ia32' : 'other';
      return { os: 'darwin', arch };
    }
    // Universal (fat) binaries are big-endian 0xcafebabe. Java class files
    // share the magic, but nobody points keyguard.server.path at one.
    if (h[0] === 0xca && h[1] === 0xfe && h[2] === 0xba && h[3] === 0xbe) return { os: 'darwin', arch: 'any' };
  }
  if (h.length >= 2 && h[0] === 0x4d && h[1] === 0x5a) {
    // PE: the machine type sits behind the PE header, which the first
    // bytes do not reach; the caller reads 4 KiB when it can.
    const peOff = h.length >= 0x40 ? u32le(0x3c) : -1;
    if (peOff > 0 && peOff + 6 <= h.length && h[peOff] === 0x50 && h[peOff + 1] === 0x45) {
      const m = u16le(peOff + 4);
      const arch = m === 0x8664 ? 'x64' : m === 0xaa64 ? 'arm64' : m === 0x14c ? 'ia32' : 'other';
      return { os: 'windows', arch };
    }
    return { os: 'windows', arch: 'any' };
  }
  return undefined;
}

/**
 * Finds the binary to start: the first candidate that passes check. When
 * none does, the message names every place looked at and why each failed,
 * so that one error tells the whole story.
 */
export function findServer(input: LookupInput, probe: Probe): Lookup {
  const problems: Problem[] = [];
  for (const c of candidates(input)) {
    const reason = check(c, probe, input.platform, input.arch);
    if (reason === undefined) return { ok: true, path: c.path, source: c.source, tried: problems };
    problems.push({ candidate: c, reason });
  }
  return { ok: false, problems, message: describe(input, problems) };
}

function describe(input: LookupInput, problems: Problem[]): string {
  if (problems.length === 1 && problems[0].candidate.source === 'setting') {
    return `keyguard: keyguard.server.path "${problems[0].candidate.path}" ${problems[0].reason}. Fix the setting or clear it to use the bundled binary.`;
  }
  const bundled = problems.find((p) => p.candidate.source === 'bundled');
  const onPath = problems.filter((p) => p.candidate.source === 'path' && p.reason !== 'not found');
  let msg = `keyguard: cannot find a usable keyguard binary for ${input.platform}-${input.arch}.`;
  if (bundled) msg += ` The extension's own (${bundled.candidate.path}) ${bundled.reason}.`;
  for (const p of onPath) msg += ` ${p.candidate.path} ${p.reason}.`;
  if (onPath.length === 0) msg += ' None on PATH.';
  msg += ' Install keyguard (go install github.com/keyguard/keyguard/cmd/keyguard@latest) or set keyguard.server.path.';
  return msg;
}

/**
 * Turns an error from spawning the server into the same kind of one-line
 * explanation, for the failures that only show at exec time.
 */
export function spawnErrorMessage(binary: string, err: { code?: string; message?: string }): string {
  switch (err.code) {
    case 'ENOENT':
      return `keyguard: ${binary} was not found when starting it.`;
    case 'EACCES':
    case 'EPERM':
      return `keyguard: ${binary} is not executable (${err.code}).`;
    case 'ENOEXEC':
      return `keyguard: ${binary} is not an executable for this platform (exec format error).`;
    default:
      return `keyguard: could not start ${binary}: ${err.message ?? err.code ?? 'unknown error'}`;
  }
}

/** The Probe backed by the real file system. */
export const nodeProbe: Probe = {
  kind(p) {
    try {
      return fs.statSync(p).isDirectory() ? 'dir' : 'file';
    } catch {
      return undefined;
    }
  },
  executable(p) {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  head(p) {
    // 4 KiB reaches a PE header's machine field.
    let fd: number | undefined;
    try {
      fd = fs.openSync(p, 'r');
      const buf = Buffer.alloc(4096);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      return buf.subarray(0, n);
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
};
