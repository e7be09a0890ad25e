import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { candidates, check, executableFormat, findServer, nodeProbe, spawnErrorMessage } from '../src/binary';

// Real files in a temp dir: the lookup is tested against the file system it
// will meet, not a mock of it.
function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kg-bin-'));
}

function elf(machine: number): Buffer {
  const b = Buffer.alloc(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0); // ELF64, little endian
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(machine, 18);
  return b;
}

function machO(cpu: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(0xfeedfacf, 0);
  b.writeUInt32LE(cpu, 4);
  return b;
}

function pe(machine: number): Buffer {
  const b = Buffer.alloc(256);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(machine, 0x84);
  return b;
}

function write(dir: string, name: string, data: Buffer | string, mode = 0o755): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
  fs.chmodSync(p, mode);
  return p;
}

const linux = { platform: 'linux' as const, arch: 'x64' };

test('formats: ELF, Mach-O, PE and their architectures', () => {
  assert.deepEqual(executableFormat(elf(0x3e)), { os: 'linux', arch: 'x64' });
  assert.deepEqual(executableFormat(elf(0xb7)), { os: 'linux', arch: 'arm64' });
  assert.deepEqual(executableFormat(machO(0x0100000c)), { os: 'darwin', arch: 'arm64' });
  assert.deepEqual(executableFormat(machO(0x01000007)), { os: 'darwin', arch: 'x64' });
  assert.deepEqual(executableFormat(pe(0x8664)), { os: 'windows', arch: 'x64' });
  assert.equal(executableFormat(Buffer.from('#!/bin/sh\n')), undefined);
  assert.equal(executableFormat(Buffer.alloc(0)), undefined);
});

test('node itself passes the check (a real ELF of this machine)', { skip: process.platform !== 'linux' }, () => {
  const c = { source: 'setting' as const, path: process.execPath };
  assert.equal(check(c, nodeProbe, 'linux', process.arch), undefined);
});

test('bundled binary comes before PATH; empty PATH entries are skipped', () => {
  const ext = tmp();
  const dir1 = tmp();
  const dir2 = tmp();
  const cs = candidates({ setting: '', extensionPath: ext, envPath: `${dir1}::${dir2}`, ...linux });
  assert.deepEqual(
    cs.map((c) => [c.source, c.path]),
    [
      ['bundled', path.join(ext, 'bin', 'keyguard')],
      ['path', path.join(dir1, 'keyguard')],
      ['path', path.join(dir2, 'keyguard')],
    ],
  );
  // Windows: keyguard.exe, ';' separated.
  const win = candidates({ setting: '', extensionPath: 'C:\\ext', envPath: 'C:\\a;C:\\b', platform: 'win32', arch: 'x64' });
  assert.deepEqual(win.map((c) => c.path), ['C:\\ext\\bin\\keyguard.exe', 'C:\\a\\keyguard.exe', 'C:\\b\\keyguard.exe']);
});

test('lookup picks the bundled binary, else the first usable one on PATH', () => {
  const ext = tmp();
  const onPath = tmp();
  const good = write(onPath, 'keyguard', elf(0x3e));
  let r = findServer({ setting: '', extensionPath: ext, envPath: onPath, ...linux }, nodeProbe);
  assert.ok(r.ok);
  assert.equal(r.path, good);
  assert.equal(r.source, 'path');
  assert.equal(r.tried[0].reason, 'not found');

  const bundled = write(ext, 'bin/keyguard', elf(0x3e));
  r = findServer({ setting: '', extensionPath: ext, envPath: onPath, ...linux }, nodeProbe);
  assert.ok(r.ok);
  assert.equal(r.path, bundled);
  assert.equal(r.source, 'bundled');
});

test('a wrong-platform bundled binary falls through to PATH', () => {
  const ext = tmp();
  const onPath = tmp();
  write(ext, 'bin/keyguard', machO(0x0100000c));
  const good = write(onPath, 'keyguard', elf(0x3e));
  const r = findServer({ setting: '', extensionPath: ext, envPath: onPath, ...linux }, nodeProbe);
  assert.ok(r.ok);
  assert.equal(r.path, good);
  assert.match(r.tried[0].reason, /darwin binary.*wrong platform/);
});

test('missing binary path setting: one error naming the setting, no fallback', () => {
  const ext = tmp();
  write(ext, 'bin/keyguard', elf(0x3e)); // would work, but the setting wins
  const r = findServer({ setting: '/nonexistent/keyguard', extensionPath: ext, envPath: '', ...linux }, nodeProbe);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.problems.length, 1);
  assert.match(r.message, /keyguard\.server\.path "\/nonexistent\/keyguard" not found/);
});

test('non-executable binary: one error that says chmod', () => {
  const d = tmp();
  const p = write(d, 'keyguard', elf(0x3e), 0o644);
  const r = findServer({ setting: p, extensionPath: d, envPath: '', ...linux }, nodeProbe);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.message, /is not executable \(chmod \+x it\)/);
});

test('wrong platform and wrong architecture are told apart', () => {
  const d = tmp();
  const mac = write(d, 'mac', machO(0x0100000c));
  const arm = write(d, 'arm', elf(0xb7));
  const exe = write(d, 'win.exe', pe(0x8664));
  const text = write(d, 'notes.txt', 'hello\n');
  const dir = path.join(d, 'adir');
  fs.mkdirSync(dir);
  const msg = (p: string) => {
    const r = findServer({ setting: p, extensionPath: d, envPath: '', ...linux }, nodeProbe);
    assert.equal(r.ok, false);
    return r.ok ? '' : r.message;
  };
  assert.match(msg(mac), /is a darwin binary; this is linux \(wrong platform\)/);
  assert.match(msg(arm), /built for arm64; this machine is x64 \(wrong architecture\)/);
  assert.match(msg(exe), /windows binary/);
  assert.match(msg(text), /is not a linux executable/);
  assert.match(msg(dir), /is a directory/);
});

test('a #! wrapper script is accepted; Rosetta runs x64 on Apple Silicon', () => {
  const d = tmp();
  const sh = write(d, 'kg.sh', '#!/bin/sh\nexec keyguard "$@"\n');
  assert.ok(findServer({ setting: sh, extensionPath: d, envPath: '', ...linux }, nodeProbe).ok);
  const probe = { kind: () => 'file' as const, executable: () => true, head: () => machO(0x01000007) };
  assert.equal(check({ source: 'bundled', path: '/x' }, probe, 'darwin', 'arm64'), undefined);
});

test('nothing anywhere: one message naming what was tried and how to fix it', () => {
  const ext = tmp();
  const r = findServer({ setting: '', extensionPath: ext, envPath: tmp(), ...linux }, nodeProbe);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.message, /cannot find a usable keyguard binary for linux-x64/);
  assert.match(r.message, /bin\/keyguard\) not found/);
  assert.match(r.message, /None on PATH/);
  assert.match(r.message, /keyguard\.server\.path/);
});

test('spawn errors become one line each', () => {
  assert.match(spawnErrorMessage('/x/kg', { code: 'ENOEXEC' }), /exec format error/);
  assert.match(spawnErrorMessage('/x/kg', { code: 'EACCES' }), /not executable/);
  assert.match(spawnErrorMessage('/x/kg', { code: 'ENOENT' }), /not found/);
  assert.match(spawnErrorMessage('/x/kg', { message: 'boom' }), /boom/);
});
