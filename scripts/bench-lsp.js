#!/usr/bin/env node
// bench-lsp.js: keystroke → publishDiagnostics latency of `keyguard lsp`,
// measured by a client that shares no code with the server: VS Code's own
// JSON-RPC library (vscode-jsonrpc, from the extension's node_modules)
// reads the server's messages; requests are written as pre-encoded frames
// (what an editor spends serialising its document is not the server's
// latency, as in cmd/keyguard's Go benchmarks).
//
//   node scripts/bench-lsp.js KEYGUARD_BINARY [LINES] [ROUNDS]
//
// It opens a LINES-line Python file (default 50,000), then per round sends
// a change that adds a key line at the end and waits for the diagnostics of
// that version: first ROUNDS whole-text changes (full sync), then ROUNDS
// ranged ones (incremental sync: add the line, then remove it). It prints
// p50 / p95 of each and the server's RSS.
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const { spawn } = require('child_process');
const rpc = require(path.join(__dirname, '..', 'editors', 'vscode', 'node_modules', 'vscode-jsonrpc', 'node'));

const [bin, linesArg, roundsArg] = process.argv.slice(2);
if (!bin) {
  console.error('usage: node scripts/bench-lsp.js KEYGUARD_BINARY [LINES] [ROUNDS]');
  process.exit(2);
}
const LINES = Number(linesArg || 50000);
const ROUNDS = Number(roundsArg || 100);

// A key-shaped value built at run time (no key in this file).
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const key = 'sk-proj-' + Array.from({ length: 64 }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('') + 'T3BlbkFJ' + Array.from({ length: 64 }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-bench-'));
const file = path.join(dir, 'a.py');
let src = '';
for (let i = 0; i < LINES; i++) src += `value_${i} = compute(${i}, 'some text here', other=[1, 2, 3])  # comment\n`;
fs.writeFileSync(file, src);
const uri = 'file://' + file;

const child = spawn(bin, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
child.on('exit', (code) => { if (!finished) { console.error(`keyguard lsp exited (${code}) mid-run`); process.exit(1); } });
// A publication that never comes (a regression) fails the run instead of
// hanging it.
let finished = false;
setTimeout(() => { console.error('timed out waiting for diagnostics'); child.kill(); process.exit(1); }, 300e3).unref();
const reader = new rpc.StreamMessageReader(child.stdout);
const frame = (msg) => {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
};
const send = (msg) => child.stdin.write(frame(msg));

let waiting = null; // {version, count, resolve}
const responses = new Map();
reader.listen((msg) => {
  if (msg.id !== undefined && msg.method === undefined) {
    const r = responses.get(msg.id);
    if (r) { responses.delete(msg.id); r(msg); }
    return;
  }
  if (msg.id !== undefined && msg.method) { // a request from the server: answer it
    send({ jsonrpc: '2.0', id: msg.id, result: msg.method === 'workspace/configuration' ? (msg.params.items || []).map(() => null) : null });
    return;
  }
  if (msg.method === 'textDocument/publishDiagnostics' && msg.params.uri === uri && waiting &&
      msg.params.version === waiting.version && msg.params.diagnostics.length === waiting.count) {
    const w = waiting;
    waiting = null;
    w.resolve();
  }
});
const call = (id, method, params) => new Promise((resolve) => { responses.set(id, resolve); send({ jsonrpc: '2.0', id, method, params }); });
const published = (version, count) => new Promise((resolve) => { waiting = { version, count, resolve }; });

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(p * (s.length - 1))]; };
const rssKB = () => { try { return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]); } catch { return NaN; } };

(async () => {
  await call(1, 'initialize', { processId: process.pid, rootUri: 'file://' + dir, capabilities: { general: { positionEncodings: ['utf-16'] } } });
  send({ jsonrpc: '2.0', method: 'initialized', params: {} });
  let version = 1;
  let done = published(version, 0);
  send({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'python', version, text: src } } });
  await done;

  const whole = [];
  for (let i = 0; i < ROUNDS; i++) {
    version++;
    const msg = frame({ jsonrpc: '2.0', method: 'textDocument/didChange', params: { textDocument: { uri, version }, contentChanges: [{ text: src + `k${i} = "${key}"\n` }] } });
    done = published(version, 1);
    const t0 = process.hrtime.bigint();
    child.stdin.write(msg);
    await done;
    whole.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  // Back to the original text, then ranged changes.
  version++;
  done = published(version, 0);
  send({ jsonrpc: '2.0', method: 'textDocument/didChange', params: { textDocument: { uri, version }, contentChanges: [{ text: src }] } });
  await done;
  const ranged = [];
  for (let i = 0; i < ROUNDS; i++) {
    version++;
    const add = i % 2 === 0;
    const range = add ? { start: { line: LINES, character: 0 }, end: { line: LINES, character: 0 } } : { start: { line: LINES, character: 0 }, end: { line: LINES + 1, character: 0 } };
    const msg = frame({ jsonrpc: '2.0', method: 'textDocument/didChange', params: { textDocument: { uri, version }, contentChanges: [{ range, text: add ? `k = "${key}"\n` : '' }] } });
    done = published(version, add ? 1 : 0);
    const t0 = process.hrtime.bigint();
    child.stdin.write(msg);
    await done;
    ranged.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const f = (x) => x.toFixed(1);
  console.log(`lines ${LINES}, rounds ${ROUNDS}`);
  console.log(`whole-text didChange → publishDiagnostics: p50 ${f(pct(whole, 0.5))} ms, p95 ${f(pct(whole, 0.95))} ms`);
  console.log(`ranged didChange → publishDiagnostics: p50 ${f(pct(ranged, 0.5))} ms, p95 ${f(pct(ranged, 0.95))} ms`);
  console.log(`server RSS ${(rssKB() / 1024).toFixed(1)} MB`);
  finished = true;
  await call(2, 'shutdown', null);
  send({ jsonrpc: '2.0', method: 'exit' });
  child.stdin.end();
  fs.rmSync(dir, { recursive: true, force: true });
})().catch((e) => { console.error(e); child.kill(); process.exit(1); });
