import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Inspected, hostAllowed, mapSettings, serverPath } from '../src/settings';

type Layers = Record<string, Inspected<unknown>>;

// inspect() results as VS Code returns them: package.json defaults plus
// whatever the user / workspace / folder set.
function inspector(layers: Layers) {
  const defaults: Record<string, unknown> = {
    'server.path': '',
    'probe.enabled': true,
    'probe.onSave': true,
    'probe.ttlSeconds': 600,
    'probe.allowedHosts': [],
    'probe.hardcoded': true,
    'rotation.maxAgeDays': 90,
    endpoints: {},
    severity: {},
    ignore: [],
  };
  return <T>(key: string) => ({ defaultValue: defaults[key], ...layers[key] }) as Inspected<T>;
}

test('defaults map to the server defaults', () => {
  const m = mapSettings(inspector({}), true);
  assert.deepEqual(m.settings, {
    probe: { enabled: true, onSave: true, ttlSeconds: 600, allowedHosts: [], hardcoded: true },
    rotation: { maxAgeDays: 90 },
    endpoints: {},
    severity: {},
    ignore: [],
    trustedSettings: true,
  });
  assert.deepEqual(m.warnings, []);
});

test('user values, workspace over user, folder over workspace', () => {
  const m = mapSettings(
    inspector({
      'probe.enabled': { globalValue: false, workspaceValue: true },
      'probe.onSave': { workspaceValue: false },
      'probe.ttlSeconds': { globalValue: 60, workspaceFolderValue: 5.7 },
      ignore: { workspaceValue: ['testdata/**', '', 3] },
      severity: { globalValue: { 'hardcoded-key': 'error', 'env-format': 'off' } },
    }),
    true,
  );
  assert.equal(m.settings.probe.enabled, true);
  assert.equal(m.settings.probe.onSave, false);
  assert.equal(m.settings.probe.ttlSeconds, 5);
  assert.deepEqual(m.settings.ignore, ['testdata/**']);
  assert.deepEqual(m.settings.severity, { 'hardcoded-key': 'error', 'env-format': 'off' });
});

test('user endpoints are used as they are (the e2e test relies on this)', () => {
  const m = mapSettings(inspector({ endpoints: { globalValue: { openai: 'http://127.0.0.1:4321/v1' } } }), true);
  assert.deepEqual(m.settings.endpoints, { openai: 'http://127.0.0.1:4321/v1' });
});

test('allowedHosts come from user settings only', () => {
  const m = mapSettings(
    inspector({ 'probe.allowedHosts': { globalValue: ['gw.corp'], workspaceValue: ['evil.example'] } }),
    true,
  );
  assert.deepEqual(m.settings.probe.allowedHosts, ['gw.corp']);
});

test('workspace endpoints need the user allowlist; none in Restricted Mode', () => {
  const layers: Layers = {
    'probe.allowedHosts': { globalValue: ['gw.corp:8443'] },
    endpoints: {
      globalValue: { anthropic: 'https://api.anthropic.com' },
      workspaceValue: { openai: 'https://collector.evil.example/v1', groq: 'https://gw.corp/openai/v1', bad: 'not a url' },
    },
  };
  let m = mapSettings(inspector(layers), true);
  assert.deepEqual(m.settings.endpoints, { anthropic: 'https://api.anthropic.com', groq: 'https://gw.corp/openai/v1' });
  assert.equal(m.warnings.length, 2);
  assert.match(m.warnings.join('\n'), /collector\.evil\.example, which is not in your user setting keyguard\.probe\.allowedHosts/);
  assert.match(m.warnings.join('\n'), /"not a url" is not a URL/);

  m = mapSettings(inspector(layers), false);
  assert.deepEqual(m.settings.endpoints, { anthropic: 'https://api.anthropic.com' });
  assert.match(m.warnings.join('\n'), /Restricted Mode/);
});

test('probe.hardcoded and rotation.maxAgeDays reach the server; bad values fall back', () => {
  let m = mapSettings(
    inspector({ 'probe.hardcoded': { globalValue: false }, 'rotation.maxAgeDays': { workspaceValue: 30.9 } }),
    true,
  );
  assert.equal(m.settings.probe.hardcoded, false);
  assert.equal(m.settings.rotation.maxAgeDays, 30);
  m = mapSettings(inspector({ 'probe.hardcoded': { globalValue: 'no' }, 'rotation.maxAgeDays': { globalValue: 'old' } }), true);
  assert.equal(m.settings.probe.hardcoded, true);
  assert.equal(m.settings.rotation.maxAgeDays, 90);
  m = mapSettings(inspector({ 'rotation.maxAgeDays': { globalValue: -5 } }), true);
  assert.equal(m.settings.rotation.maxAgeDays, 0, 'negative is "off", sent as 0');
});

test('trustedSettings is always sent, because endpoints and allowedHosts are filtered here', () => {
  // The server takes endpoints/allowedHosts from workspace/configuration
  // only with trustedSettings (lsp/config.go); that promise holds only if
  // no workspace value gets through, trusted window or not.
  const layers: Layers = {
    'probe.allowedHosts': {
      globalValue: ['127.0.0.1'],
      workspaceValue: ['evil.example'],
      workspaceFolderValue: ['evil2.example'],
    },
    endpoints: {
      globalValue: { openai: 'http://127.0.0.1:9/v1' },
      workspaceValue: { openai: 'https://evil.example/v1' },
      workspaceFolderValue: { anthropic: 'https://evil2.example' },
    },
  };
  for (const trusted of [true, false]) {
    const m = mapSettings(inspector(layers), trusted);
    assert.equal(m.settings.trustedSettings, true);
    assert.deepEqual(m.settings.probe.allowedHosts, ['127.0.0.1'], `trusted=${trusted}`);
    assert.deepEqual(m.settings.endpoints, { openai: 'http://127.0.0.1:9/v1' }, `trusted=${trusted}`);
    assert.equal(m.warnings.length, 2, m.warnings.join('\n'));
  }
  // A workspace endpoint on the user's own allowlist is kept when trusted,
  // dropped in Restricted Mode.
  const ok: Layers = {
    'probe.allowedHosts': { globalValue: ['127.0.0.1'] },
    endpoints: { workspaceFolderValue: { openai: 'http://127.0.0.1:7/v1' } },
  };
  assert.deepEqual(mapSettings(inspector(ok), true).settings.endpoints, { openai: 'http://127.0.0.1:7/v1' });
  assert.deepEqual(mapSettings(inspector(ok), false).settings.endpoints, {});
});

test('severity accepts env-key-rotate (the rotation reminder)', () => {
  const m = mapSettings(inspector({ severity: { globalValue: { 'env-key-rotate': 'off' } } }), true);
  assert.deepEqual(m.settings.severity, { 'env-key-rotate': 'off' });
  assert.deepEqual(m.warnings, []);
});

test('bad severity values and unknown codes are dropped with a warning', () => {
  const m = mapSettings(inspector({ severity: { globalValue: { 'hardcoded-key': 'fatal', 'no-such-code': 'error' } } }), true);
  assert.deepEqual(m.settings.severity, {});
  assert.equal(m.warnings.length, 2);
});

test('server.path: workspace value only when trusted', () => {
  const i = inspector({ 'server.path': { globalValue: '/usr/local/bin/keyguard', workspaceValue: './evil.sh' } });
  assert.equal(serverPath(i, true), './evil.sh');
  assert.equal(serverPath(i, false), '/usr/local/bin/keyguard');
  assert.equal(serverPath(inspector({}), true), '');
});

test('hostAllowed: names, ports, URLs and wildcards', () => {
  assert.ok(hostAllowed('gw.corp', ['GW.corp']));
  assert.ok(hostAllowed('gw.corp', ['gw.corp:8443']));
  assert.ok(hostAllowed('gw.corp', ['https://gw.corp/v1']));
  assert.ok(hostAllowed('a.b.corp', ['*.corp']));
  assert.ok(!hostAllowed('corp', ['*.corp']));
  assert.ok(!hostAllowed('evilgw.corp', ['gw.corp']));
  assert.ok(hostAllowed('::1', ['::1']));
});
