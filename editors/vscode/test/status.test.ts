import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ProbeResult, ProbeState, checkArguments, fingerprint, locate, mask, render, summarize } from '../src/status';

const note = (over: Partial<ProbeResult> = {}): ProbeResult => ({
  provider: 'openai',
  secret: 'sk-pro…abcd',
  fingerprint: '0123456789abcdef',
  verdict: 'invalid',
  status: 401,
  detail: 'Incorrect API key provided',
  requestId: 'req_1',
  checkedAt: '2026-11-30T10:00:00Z',
  cached: false,
  locations: [{ uri: 'file:///w/.env', line: 2, var: 'OPENAI_API_KEY' }],
  ...over,
});

test('nothing checked yet: a plain shield that invites a check', () => {
  const r = render([], { server: 'running' });
  assert.equal(r.text, '$(shield) keyguard');
  assert.match(r.tooltip, /no `\.env` key checked yet/);
  assert.equal(r.level, 'none');
});

test('a probeResult for an invalid key shows the warning, masked key in the tooltip', () => {
  const s = new ProbeState();
  assert.ok(s.onProbeResult(note()));
  const r = render(s.list(), { server: 'running', relative: (f) => f.replace('/w/', '') });
  assert.equal(r.text, '$(warning) keyguard: invalid key');
  assert.equal(r.level, 'error');
  assert.match(r.tooltip, /\| OPENAI\\_API\\_KEY \(\.env:2\) \| `sk-pro…abcd` \| invalid \(401\) \|/);
  assert.match(r.tooltip, /\*invalid\*: Incorrect API key provided/);
});

test('valid keys give a check; the worst verdict wins and is counted', () => {
  const s = new ProbeState();
  s.onProbeResult(note({ verdict: 'valid', status: 200, fingerprint: 'a', locations: [{ uri: 'file:///w/.env', line: 1, var: 'A' }] }));
  assert.equal(render(s.list(), { server: 'running' }).text, '$(check) keyguard');
  s.onProbeResult(note({ verdict: 'rate-limited', status: 429, fingerprint: 'b', locations: [{ uri: 'file:///w/.env', line: 2, var: 'B' }] }));
  let r = render(s.list(), { server: 'running' });
  assert.equal(r.text, '$(clock) keyguard: rate limited');
  assert.equal(r.level, 'warning');
  s.onProbeResult(note({ verdict: 'revoked', fingerprint: 'c', locations: [{ uri: 'file:///w/.env', line: 3, var: 'C' }] }));
  s.onProbeResult(note({ verdict: 'revoked', fingerprint: 'd', locations: [{ uri: 'file:///w/.env.local', line: 1, var: 'D' }] }));
  r = render(s.list(), { server: 'running' });
  assert.equal(r.text, '$(warning) keyguard: 2 revoked keys');
  // Worst first in the tooltip.
  assert.ok(r.tooltip.indexOf('| C ') < r.tooltip.indexOf('| A '));
});

test('a verdict for the same key without locations updates the variables holding it', () => {
  const s = new ProbeState();
  s.onProbeResult(note());
  assert.ok(s.onProbeResult(note({ verdict: 'valid', status: 200, locations: [] })));
  assert.equal(s.list()[0].verdict, 'valid');
  assert.ok(!s.onProbeResult(note({ fingerprint: 'other', locations: [] })));
});

test('a checkEnv report replaces what is known about its files', () => {
  const s = new ProbeState();
  s.onProbeResult(note());
  s.onProbeResult(note({ fingerprint: 'x', locations: [{ uri: 'file:///w/.env', line: 5, var: 'GONE' }] }));
  s.onCheckReport({
    results: [{ file: '/w/.env', line: 2, var: 'OPENAI_API_KEY', provider: 'openai', verdict: 'valid', status: 200 }],
  });
  const l = s.list();
  assert.equal(l.length, 1);
  assert.equal(l[0].verdict, 'valid');
  assert.equal(l[0].secret, 'sk-pro…abcd', 'the mask from the notification is kept');
});

test('keys are masked even if an unmasked one ever arrived', () => {
  assert.equal(mask('sk-proj-abcdefghijklmnopqrstuvwxyz0123'), 'sk-pro…0123');
  assert.equal(mask('sk-pro…abcd'), 'sk-pro…abcd');
  const s = new ProbeState();
  s.onProbeResult(note({ secret: 'sk-proj-abcdefghijklmnopqrstuvwxyz0123' }));
  assert.doesNotMatch(render(s.list(), { server: 'running' }).tooltip, /abcdefghij/);
});

test('server down and checking states', () => {
  assert.equal(render([], { server: 'failed' }).text, '$(error) keyguard: server not running');
  assert.equal(render([], { server: 'running', checking: true }).text, '$(sync~spin) keyguard');
});

test('summaries', () => {
  assert.deepEqual(summarize({ results: [], issues: [] }), { text: 'keyguard: no keys found in .env files.', bad: false });
  const s = summarize({
    results: [
      { file: '.env', line: 1, var: 'A', provider: 'openai', verdict: 'valid' },
      { file: '.env', line: 2, var: 'B', provider: 'openai', verdict: 'invalid' },
    ],
    issues: [{ file: '.env', line: 3, code: 'env-format', message: 'trailing space' }],
  });
  assert.equal(s.text, 'keyguard: 2 keys checked — 1 invalid, 1 valid, 1 hygiene issue.');
  assert.equal(s.bad, true);
});

test('locate finds the variables holding a fingerprinted key', () => {
  const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123';
  assert.equal(fingerprint(key).length, 16);
  const text = [
    '# comment',
    `export OPENAI_API_KEY="${key}"`,
    `OTHER=${key} # same key again`,
    `BEARER='Bearer ${key}'`,
    'UNRELATED=sk-proj-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz',
    '',
  ].join('\r\n');
  assert.deepEqual(locate(fingerprint(key), [{ file: '/w/.env', text }]), [
    { file: '/w/.env', line: 2, var: 'OPENAI_API_KEY' },
    { file: '/w/.env', line: 3, var: 'OTHER' },
    { file: '/w/.env', line: 4, var: 'BEARER' },
  ]);
  assert.deepEqual(locate('0000000000000000', [{ file: '/w/.env', text }]), []);
});

test('"Check .env keys now" asks the server for fresh probes; Check quota does not need to', () => {
  // The status bar says "click to check again": a cached verdict is not an answer.
  assert.deepEqual(checkArguments(false), [{ fresh: true }]);
  assert.deepEqual(checkArguments(true), []);
});
