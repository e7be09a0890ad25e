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
    endpoints: {},
    severity: {},
    ignore: [],
  };
  return <T>(key: string) => ({ defaultValue: defaults[key], ...layers[key] }) as Inspected<T>;
}

test('defaults map to the server defaults', () => {
  const m = mapSettings(inspector({}), true);
  assert.deepEqual(m.settings, {
    probe: { enabled: true, onSave: true, ttlSeconds: 600, allowedHosts: [] },
    endpoints: {},
    severity: {},
    ignore: [],
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
