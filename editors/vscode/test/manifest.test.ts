import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { DOCUMENT_SCHEMES, documentSelector } from '../src/languages';
import { CODES } from '../src/settings';

// The test build runs from out-test/, the manifest is one level up.
const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));

test('the extension activates for every workspace, not per language', () => {
  // A key pasted into a Makefile or an untitled buffer must be seen even
  // when no file of a listed language was ever opened.
  const events: string[] = pkg.activationEvents;
  assert.ok(events.includes('onStartupFinished'));
  assert.ok(events.includes('workspaceContains:**/.env*'));
  assert.ok(!events.some((e) => e.startsWith('onLanguage:')), 'a language list would leave other files unwatched');
});

test('the document selector takes every language of files, untitled buffers and notebook cells', () => {
  const sel = documentSelector();
  assert.deepEqual(
    sel.map((f) => f.scheme),
    ['file', 'untitled', 'vscode-notebook-cell'],
  );
  for (const f of sel) {
    // A language, pattern or notebookType would narrow the filter.
    assert.deepEqual(Object.keys(f), ['scheme'], JSON.stringify(f));
  }
  assert.equal(DOCUMENT_SCHEMES.length, sel.length);
});

test('engines match code-server 4.100 (VS Code 1.100) and @types/vscode is not newer', () => {
  assert.equal(pkg.engines.vscode, '^1.100.0');
  assert.equal(pkg.devDependencies['@types/vscode'], '1.100.0');
  assert.equal(pkg.main, './dist/extension.js');
});

test('palette commands never collide with the server executeCommand ids', () => {
  const server = ['keyguard.checkEnv', 'keyguard.checkQuota', 'keyguard.scanWorkspace'];
  const ids: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
  for (const id of ids) assert.ok(!server.includes(id), id);
  for (const c of pkg.contributes.commands) assert.equal(c.category, 'keyguard');
  assert.ok(ids.includes('keyguard.client.checkEnv'));
});

test('settings mirror the server and trust restrictions name real settings', () => {
  const props = pkg.contributes.configuration.properties;
  for (const k of [
    'server.path',
    'trace.server',
    'probe.enabled',
    'probe.onSave',
    'probe.ttlSeconds',
    'probe.allowedHosts',
    'probe.hardcoded',
    'rotation.maxAgeDays',
    'endpoints',
    'severity',
    'ignore',
  ]) {
    assert.ok(props[`keyguard.${k}`], k);
  }
  assert.deepEqual(Object.keys(props['keyguard.severity'].properties).sort(), [...CODES].sort());
  assert.ok((CODES as readonly string[]).includes('env-key-rotate'));
  assert.equal(props['keyguard.probe.hardcoded'].default, true);
  assert.equal(props['keyguard.rotation.maxAgeDays'].default, 90);
  const u = pkg.capabilities.untrustedWorkspaces;
  assert.equal(u.supported, 'limited');
  assert.deepEqual(u.restrictedConfigurations, ['keyguard.server.path', 'keyguard.endpoints', 'keyguard.probe.allowedHosts']);
  for (const k of u.restrictedConfigurations) assert.ok(props[k], k);
});
