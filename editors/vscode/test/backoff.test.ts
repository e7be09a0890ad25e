import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Backoff } from '../src/backoff';

test('crash loop: doubling delays, told once, then give up', () => {
  const b = new Backoff({ initialMs: 1000, maxMs: 4000, maxCrashes: 5, windowMs: 180_000 });
  const ds = [0, 1, 2, 3, 4].map((i) => b.crashed(i * 1000));
  assert.deepEqual(
    ds.slice(0, 4).map((d) => (d.action === 'restart' ? [d.delayMs, d.notify] : d.action)),
    [
      [1000, true],
      [2000, false],
      [4000, false],
      [4000, false],
    ],
  );
  assert.deepEqual(ds[4], { action: 'give-up', crashes: 5 });
});

test('crashes outside the window do not count', () => {
  const b = new Backoff({ initialMs: 1000, maxMs: 30_000, maxCrashes: 3, windowMs: 10_000 });
  b.crashed(0);
  b.crashed(1000);
  const d = b.crashed(20_000);
  assert.equal(d.action, 'restart');
  if (d.action === 'restart') assert.equal(d.delayMs, 1000);
});

test('healthy resets the delay but not the notice; reset resets both', () => {
  const b = new Backoff();
  b.crashed(0);
  b.crashed(1);
  b.healthy();
  let d = b.crashed(2);
  assert.ok(d.action === 'restart' && d.delayMs === 1000 && !d.notify);
  b.reset();
  d = b.crashed(3);
  assert.ok(d.action === 'restart' && d.notify);
});
