import assert from 'node:assert/strict';
import { test } from 'node:test';

import { redact } from '../src/redact';

const OPENAI = 'sk-proj-Jq8s2LkR7vTn4WcXbA1mZ0pY5uGdHe3iQfKoNrSt6VwBT3BlbkFJ9xCzD2yEaF7gHjK4lM1nP0qRsT5uVwXyZ8bAcD3eFgH';

test('keys in trace JSON are masked, including after \\n escapes', () => {
  const trace = JSON.stringify({ text: `import openai\nclient = OpenAI(api_key="${OPENAI}")\n${OPENAI}\n` });
  const out = redact(trace);
  assert.ok(!out.includes(OPENAI.slice(10, 40)));
  assert.equal(out.split('sk-pro…eFgH').length - 1, 2);
});

test('prefixless long tokens are masked; ordinary log text is not', () => {
  const mistral = 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6';
  assert.equal(redact(`MISTRAL_API_KEY=${mistral}`), 'MISTRAL_API_KEY=A1b2C3…O5p6');
  const plain = 'time=2026-11-30T10:00:00Z level=INFO msg=initialized encoding=utf-16 fingerprint=0123456789abcdef path=/home/u/project-with-a-very-long-directory-name/app.py';
  assert.equal(redact(plain), plain);
  assert.equal(redact('already masked sk-pro…eFgH'), 'already masked sk-pro…eFgH');
});

test('other providers', () => {
  for (const k of ['gsk_' + 'a1'.repeat(26), 'AIza' + 'B2'.repeat(17) + 'c', 'hf_' + 'x9'.repeat(17), 'sk-ant-api03-' + 'Z'.repeat(93) + 'AA']) {
    assert.ok(!redact(`key: ${k}`).includes(k), k);
  }
});
