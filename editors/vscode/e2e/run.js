// Drives a running code-server in Debian's Chromium through the keyguard
// flow a user goes through, asserting on the UI and on the files on disk.
// Started by scripts/e2e-vscode, which sets up everything this needs:
//
//   KG_URL       code-server's base URL (http://127.0.0.1:PORT)
//   KG_WS        the workspace folder (app.py, .env)
//   KG_ART       where screenshots and the step log go
//   KG_CODE_KEY  the key hardcoded in app.py (the fake provider says valid:
//                hardcoded keys are probed, so its squiggle is an error)
//   KG_ENV_KEY   the key already in .env (the fake provider says 401)
//
// Exit 0 when every step passed; otherwise the last line says which step
// failed and why, and a screenshot of that moment is in KG_ART.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const URL_ = env('KG_URL');
const WS = env('KG_WS');
const ART = env('KG_ART');
const CODE_KEY = env('KG_CODE_KEY');
const ENV_KEY = env('KG_ENV_KEY');

const t0 = Date.now();
let step = 'start';
function log(msg) {
  const line = `[${((Date.now() - t0) / 1000).toFixed(1)}s] ${step}: ${msg}`;
  console.log(line);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ART, `${name}.png`) });
  log(`screenshot ${name}.png`);
}

/** Polls fn until it returns a truthy value or ms pass. */
async function until(what, ms, fn) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const read = (f) => {
  try {
    return fs.readFileSync(path.join(WS, f), 'utf8');
  } catch {
    return undefined;
  }
};

/** Ctrl+P, type the name, pick the row whose label is exactly name. */
async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(name);
  // Quick open ranks .env.example next to .env: walk the focus to the
  // exact label instead of trusting the first row.
  await until(`"${name}" in quick open`, 15000, async () => {
    const labels = await page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents();
    return labels.some((l) => l.trim() === name);
  });
  for (let i = 0; i < 10; i++) {
    const focused = (await page.locator('.quick-input-list .monaco-list-row.focused .label-name').allTextContents())[0];
    if (focused && focused.trim() === name) break;
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
  await page.locator(`.tab.active[data-resource-name="${name}"], .tab.active:has-text("${name}")`).first().waitFor({ timeout: 15000 });
}

/** GET …/v1/models requests the fake provider at base has seen. */
async function modelProbes(base) {
  const all = (await (await fetch(`${base}/_fake/requests`)).json()) || [];
  return all.filter((r) => r.Method === 'GET' && /\/v1\/models$/.test(r.Path || '')).length;
}

/**
 * modelProbes once it has not changed for 1.5 s: probes started by an
 * open or a save may still be on their way, and a count taken in the
 * middle would be charged to the next step.
 */
async function settledProbes(base) {
  let last = await modelProbes(base);
  let since = Date.now();
  const end = Date.now() + 20000;
  while (Date.now() - since < 1500 && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    const n = await modelProbes(base);
    if (n !== last) {
      last = n;
      since = Date.now();
    }
  }
  return last;
}

/**
 * The editor hover over the first hint of the active editor (a hint has no
 * squiggle and no Problems entry: the hover is where a person reads it).
 * VS Code draws a hint's three dots under the first two characters of its
 * range only, and shows its hover only there. Mouse first; if no hover
 * shows, the cursor there and Ctrl+K Ctrl+I.
 */
async function hoverOverHint(page, want) {
  const dots = page.locator('.editor-group-container.active .squiggly-hint').first();
  await dots.waitFor({ timeout: 10000 });
  const box = await dots.boundingBox();
  if (!box) throw new Error('the hint is not on screen');
  const hover = page.locator('.monaco-hover:not(.hidden)').filter({ hasText: want });
  await page.mouse.move(5, 5);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
  let text = await hover
    .first()
    .innerText({ timeout: 8000 })
    .catch(() => '');
  if (!text) {
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    text = await hover
      .first()
      .innerText({ timeout: 8000 })
      .catch(() => '');
  }
  if (!text) {
    const seen = await page.locator('.monaco-hover').allInnerTexts().catch(() => []);
    throw new Error(`no hover saying "${want}" over the key (hovers: ${JSON.stringify(seen).slice(0, 300)})`);
  }
  return text.replace(/\s+/g, ' ').trim();
}

/** The text of the Problems panel (opened if it is not). */
async function problemsText(page) {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible().catch(() => false))) {
    await page.keyboard.press('Control+Shift+M');
    await panel.waitFor({ state: 'visible', timeout: 10000 });
  }
  return panel.innerText();
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(`>${title}`);
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: title })
    .first()
    .waitFor({ timeout: 10000 })
    .catch(async (e) => {
      const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
      throw new Error(`command "${title}" not in the palette (rows: ${JSON.stringify(rows.slice(0, 5))}): ${e.message.split('\n')[0]}`);
    });
  // The first row is not always the command named: "File: New Untitled
  // Text File" ranks "File: Compare New Untitled Text Files" first. Walk
  // the focus to the row whose label is exactly the title; if none is (a
  // label rendered differently), keep the first row, as before.
  const isTitle = async () => {
    const t = ((await page.locator('.quick-input-list .monaco-list-row.focused').allInnerTexts())[0] || '').trim();
    return t.startsWith(title) && (t.length === title.length || /\s/.test(t[title.length]));
  };
  let moved = 0;
  while (moved < 8 && !(await isTitle())) {
    await page.keyboard.press('ArrowDown');
    moved++;
  }
  if (!(await isTitle())) for (; moved > 0; moved--) await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
}

/** Messages in the notification center (which also holds shown toasts). */
async function notifications(page) {
  const center = page.locator('.notifications-center');
  if (!(await center.isVisible().catch(() => false))) {
    await runCommand(page, 'Notifications: Show Notifications');
    await center.waitFor({ state: 'visible', timeout: 10000 });
  }
  const items = await center.locator('.notification-list-item').allInnerTexts();
  return items.map((t) => t.replace(/\s+/g, ' ').trim());
}

async function clearNotifications(page) {
  // Checked and retried: a command palette opened while a dialog or the
  // notification center still had the focus was seen to miss the command.
  for (let i = 0; i < 3; i++) {
    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.keyboard.press('Escape');
    const left = await notifications(page);
    await hideNotifications(page);
    if (left.length === 0) return;
    log(`notifications left after clearing: ${JSON.stringify(left)}`);
  }
  throw new Error('could not clear the notifications');
}

async function hideNotifications(page) {
  if (await page.locator('.notifications-center').isVisible().catch(() => false)) {
    await runCommand(page, 'Notifications: Hide Notifications');
  }
}

/**
 * Sets keyguard.server.path the way a user of code-server (or any remote
 * window) must: in the Remote settings, since the setting is
 * machine-overridable and the extension runs on the remote side, where
 * the browser-side User settings do not apply to it. Opens the file in the
 * editor, replaces the text and saves.
 */
async function setServerPath(page, p) {
  const f = env('KG_MACHINE_SETTINGS');
  let cfg = {};
  try {
    cfg = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch {
    // not created yet
  }
  cfg['keyguard.server.path'] = p;
  // One line: the editor would re-indent typed newlines (auto-closing is
  // off in the test's user settings).
  const want = JSON.stringify(cfg);
  await runCommand(page, 'Preferences: Open Remote Settings (JSON)');
  await page.locator('.tab.active', { hasText: 'settings.json' }).first().waitFor({ timeout: 15000 });
  await page.waitForTimeout(300);
  const editor = page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText is one input event, like a paste: no auto-closed quotes.
  await page.keyboard.insertText(want);
  await page.keyboard.press('Control+S');
  await until('settings.json to be saved', 10000, () => {
    try {
      return JSON.stringify(JSON.parse(fs.readFileSync(f, 'utf8'))) === want;
    } catch {
      return false;
    }
  });
}

/**
 * Bad binaries, in the real editor: a missing path and a non-executable
 * file each give exactly one error with an "Open docs" button; a server
 * that keeps crashing is restarted with backoff, the user hears once that
 * it is being restarted and once that keyguard gave up. Then an empty
 * setting brings the bundled binary back.
 */
async function badServers(page) {
  const status = page.locator('.statusbar-item', { hasText: 'keyguard' });
  const statusText = async () => (await status.allInnerTexts()).join(' ');
  const count = (msgs, re) => msgs.filter((m) => re.test(m)).length;

  for (const [name, file, reason] of [
    ['missing server.path', '/nonexistent/keyguard', 'not found'],
    ['non-executable server.path', path.join(env('KG_TMP'), 'keyguard-noexec'), 'is not executable'],
  ]) {
    step = name;
    if (file.endsWith('noexec')) fs.writeFileSync(file, fs.readFileSync(env('KG_REAL_BIN')), { mode: 0o644 });
    await clearNotifications(page);
    await setServerPath(page, file);
    await until('the status bar to say the server is not running', 20000, async () =>
      /keyguard: server not running/.test(await statusText()),
    );
    // Long enough for a retry loop to show a second message, were there one.
    await page.waitForTimeout(3000);
    const msgs = await notifications(page);
    const re = new RegExp(`keyguard\\.server\\.path "${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" ${reason}`);
    log(`notifications: ${JSON.stringify(msgs)}`);
    if (count(msgs, re) !== 1) throw new Error(`want exactly one "${reason}" error, got ${count(msgs, re)}: ${JSON.stringify(msgs)}`);
    if (count(msgs, /keyguard/) !== 1) throw new Error(`want no other keyguard notification: ${JSON.stringify(msgs)}`);
    if (!msgs.find((m) => re.test(m)).includes('Open docs')) throw new Error('the error has no "Open docs" button');
    if (name.startsWith('missing')) await shot(page, '05-missing-binary');
    await hideNotifications(page);
  }

  step = 'crashing server';
  // The real server, killed 1.5 s after each start: a crash mid-session.
  const wrapper = path.join(env('KG_TMP'), 'keyguard-crashes');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec timeout -s KILL 1.5 '${env('KG_REAL_BIN')}' "$@"\n`, { mode: 0o755 });
  await clearNotifications(page);
  await setServerPath(page, wrapper);
  // 5 crashes with 1+2+4+8 s between them, then it gives up.
  await until('keyguard to give up on the crashing server', 60000, async () =>
    /keyguard: server not running/.test(await statusText()) &&
    count(await notifications(page), /crashed \d+ times within 3 minutes/) > 0,
  );
  await page.waitForTimeout(2000);
  const msgs = await notifications(page);
  log(`notifications: ${JSON.stringify(msgs)}`);
  if (count(msgs, /stopped unexpectedly and is being restarted/) !== 1) throw new Error(`want one "being restarted" warning: ${JSON.stringify(msgs)}`);
  if (count(msgs, /crashed 5 times within 3 minutes/) !== 1) throw new Error(`want one "crashed 5 times" error: ${JSON.stringify(msgs)}`);
  if (count(msgs, /keyguard/) !== 2) throw new Error(`want no other keyguard notification: ${JSON.stringify(msgs)}`);
  await shot(page, '06-crash-loop');
  await hideNotifications(page);

  step = 'back to the bundled binary';
  await clearNotifications(page);
  await setServerPath(page, '');
  await until('the server to run again', 30000, async () => !/server not running/.test(await statusText()) && /keyguard/.test(await statusText()));
  log(`status bar: ${(await statusText()).trim()}`);
}

/**
 * Opens a workspace file from the Explorer: quick open's file index does
 * not see a file created a moment ago, the Explorer's watcher does.
 */
async function openFromExplorer(page, name) {
  const row = page.locator('.explorer-folders-view .monaco-list-row', {
    has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }),
  });
  await row.first().waitFor({ timeout: 20000 });
  await row.first().dblclick();
  await page.locator(`.tab.active[data-resource-name="${name}"], .tab.active:has-text("${name}")`).first().waitFor({ timeout: 15000 });
}

/** The squiggles of the editor that has the focus (not of other tabs). */
function activeSquiggle(page) {
  const g = '.editor-group-container.active';
  return page.locator(`${g} .squiggly-error, ${g} .squiggly-warning, ${g} .squiggly-info`).first();
}

/** F8 to the problem, Escape, Ctrl+.: the titles of the code actions. */
async function quickFixTitles(page, want) {
  // From the top: F8 goes to the next problem in *files*, so from below
  // the last one here it would open another file's.
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('F8');
  await page.waitForTimeout(500);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+.');
  const rows = page.locator('.action-widget .monaco-list-row');
  await rows.first().waitFor({ timeout: 15000 });
  return until(`a code action matching ${want}`, 10000, async () => {
    const t = (await rows.allInnerTexts()).map((x) => x.replace(/\s+/g, ' ').trim());
    return t.some((x) => want.test(x)) ? t : false;
  });
}

/**
 * Issue #12: a secret scanner watches every text document, not a list of
 * languages. A key typed into an untitled buffer gets a squiggle and a
 * quick fix; a Makefile (no language keyguard ever listed) and a notebook
 * cell get a squiggle and a Problems entry.
 */
async function everyDocument(page) {
  const untitledKey = env('KG_UNTITLED_KEY');
  const makeKey = env('KG_MAKE_KEY');
  const nbKey = env('KG_NB_KEY');
  const noKey = (t, k, where) => {
    if (t.includes(k)) throw new Error(`${where} shows the full key`);
  };

  step = 'untitled buffer: squiggle';
  await runCommand(page, 'File: New Untitled Text File');
  await page.locator('.tab.active', { hasText: /Untitled-\d/ }).first().waitFor({ timeout: 15000 });
  const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
  await lines.click();
  // insertText is one input event, like a paste. The key is not on the
  // first line, which VS Code makes the tab's title.
  await page.keyboard.insertText(`notes from the call\nthe key they gave me: ${untitledKey}\n`);
  await activeSquiggle(page).waitFor({ timeout: 30000 });
  log('squiggle in the untitled buffer');

  step = 'untitled buffer: quick fix';
  const titles = await quickFixTitles(page, /Redact key|Ignore this key|Move key to \.env/);
  log(`actions: ${titles.join(' | ')}`);
  titles.forEach((t) => noKey(t, untitledKey, 'a code action title'));
  await shot(page, '10-untitled');
  await page.keyboard.press('Escape');
  noKey(await problemsText(page), untitledKey, 'the Problems panel');
  // Emptied, the buffer is no longer dirty: Close All Editors below closes
  // it without asking to save.
  await lines.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await until('the untitled buffer to lose its problem', 15000, async () => !(await problemsText(page)).includes('the key they gave me'));

  step = 'Makefile: squiggle';
  fs.writeFileSync(path.join(WS, 'Makefile'), `OPENAI_API_KEY = ${makeKey}\n\nrun:\n\tpython app.py\n`);
  await openFromExplorer(page, 'Makefile');
  // Its key is live at the fake provider and probed on open: an error.
  await page.locator('.editor-group-container.active .squiggly-error').first().waitFor({ timeout: 30000 });
  const mk = await until('a live hardcoded-key problem in Makefile', 20000, async () => {
    const t = await problemsText(page);
    return /Makefile/.test(t) && /hardcoded-key/.test(t) && /live key — rotate it now/.test(t) ? t : false;
  });
  noKey(mk, makeKey, 'the Problems panel');
  log('squiggle and problem in the Makefile');

  step = 'notebook cell: squiggle';
  const nb = {
    cells: [
      {
        cell_type: 'code',
        execution_count: null,
        id: 'c0ffee01',
        metadata: {},
        outputs: [],
        source: ['from openai import OpenAI\n', '\n', `client = OpenAI(api_key="${nbKey}")\n`],
      },
    ],
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(path.join(WS, 'analysis.ipynb'), JSON.stringify(nb, null, 1));
  await openFromExplorer(page, 'analysis.ipynb');
  await page.locator('.notebookOverlay').first().waitFor({ timeout: 30000 });
  await until('a squiggle in the notebook cell', 30000, () =>
    page.evaluate(() =>
      [...document.querySelectorAll('[class*="squiggly-"]')].some((el) => el.closest('.notebookOverlay') !== null),
    ),
  ).catch(async (e) => {
    const seen = await page.evaluate(() =>
      [...document.querySelectorAll('[class*="squiggly-"]')].map((el) => {
        const chain = [];
        for (let n = el; n && chain.length < 12; n = n.parentElement) chain.push(n.className && typeof n.className === 'string' ? n.className.split(' ')[0] : n.tagName);
        return chain.join(' < ');
      }),
    );
    throw new Error(`${e.message}; squiggles in the page: ${JSON.stringify(seen).slice(0, 600)}`);
  });
  const nbp = await until('a hardcoded-key problem in the notebook', 20000, async () => {
    const t = await problemsText(page);
    return /analysis\.ipynb/.test(t) && /hardcoded-key/.test(t) ? t : false;
  });
  noKey(nbp, nbKey, 'the Problems panel');
  await shot(page, '11-notebook-cell');
  log('squiggle and problem in the notebook cell');

  step = 'notebook cell: quick fix';
  // In the cell: `import os` goes into the cell, the key into the .env
  // beside the notebook (OPENAI_API_KEY is taken by app.py's key by now).
  await page.locator('.notebookOverlay .monaco-editor .view-lines').first().click();
  const nbTitles = await quickFixTitles(page, /Move key to \.env as OPENAI_API_KEY_2/);
  log(`actions: ${nbTitles.join(' | ')}`);
  for (let i = 0; i < 12; i++) {
    const f = await page.locator('.action-widget .monaco-list-row.focused').allInnerTexts();
    if (f.some((x) => x.includes('Move key to .env'))) break;
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
  await until('the edit to reach the cell', 15000, async () =>
    (await page.locator('.notebookOverlay .monaco-editor .view-lines').first().innerText()).includes('os.environ'),
  );
  await runCommand(page, 'File: Save All');
  await until('analysis.ipynb and .env to be saved', 20000, async () =>
    (read('analysis.ipynb') || '').includes('os.environ[') && (read('.env') || '').includes('OPENAI_API_KEY_2='),
  ).catch((e) => log(e.message));
  const cell = JSON.parse(read('analysis.ipynb')).cells[0];
  const src = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
  if (!/^import os$/m.test(src)) throw new Error(`the cell has no "import os": ${JSON.stringify(src)}`);
  if (!src.includes('os.environ["OPENAI_API_KEY_2"]')) throw new Error(`the cell does not read os.environ["OPENAI_API_KEY_2"]: ${JSON.stringify(src)}`);
  if (src.includes(nbKey)) throw new Error('the cell still holds the key');
  if (!(read('.env') || '').includes(`OPENAI_API_KEY_2=${nbKey}`)) throw new Error('the .env beside the notebook does not hold OPENAI_API_KEY_2=<the key>');
  log(`the cell is now:\n${src}`);
  await runCommand(page, 'View: Close All Editors');
}

/** Notifications with their severity (from the icon VS Code gives each). */
async function notificationsWithSeverity(page) {
  await notifications(page); // opens the center
  return page.locator('.notifications-center .notification-list-item').evaluateAll((items) =>
    items.map((el) => {
      const icon = el.querySelector('.notification-list-item-icon');
      const cls = icon ? icon.className : '';
      const severity = /codicon-error/.test(cls) ? 'error' : /codicon-warning/.test(cls) ? 'warning' : /codicon-info/.test(cls) ? 'info' : `unknown(${cls})`;
      return { severity, text: el.innerText.replace(/\s+/g, ' ').trim() };
    }),
  );
}

/** The keyguard status-bar item: its text and whether it is coloured. */
async function statusItem(page) {
  const items = page.locator('.statusbar-item').filter({ hasText: /keyguard/ });
  const n = await items.count();
  if (n === 0) return undefined;
  if (n > 1) throw new Error(`${n} keyguard status-bar items`);
  return items.first().evaluate((el) => ({
    text: el.innerText.replace(/\s+/g, ' ').trim(),
    cls: el.className,
    bg: getComputedStyle(el).backgroundColor,
  }));
}

/** Loads a folder in the page (a new window: a new extension host). */
async function openFolder(page, url, folder) {
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
  await page.locator('.statusbar').waitFor({ timeout: 60000 });
}

/**
 * A workspace with a hardcoded key and no .env at all, opened in the same
 * code-server right after the main workspace left an "invalid" verdict
 * behind: the extension starts on the Python file, flags the key, and the
 * status bar and "Check .env keys now" say there is nothing to check,
 * without an error (issue #6 "Bad input").
 */
async function noEnvWorkspace(page) {
  const ws = env('KG_NOENV_WS');
  const key = env('KG_NOENV_KEY');
  step = 'no .env: open the folder';
  await openFolder(page, URL_, ws);
  // Whether keyguard is already active is not up to it: the workbench
  // opens jsonc/plaintext models of its own at start (the exthost log says
  // "activationEvent: 'onLanguage:jsonc'"), and keyguard activates on those
  // languages too. What matters is that app.py gets its server.
  log(`workbench up; keyguard ${(await statusItem(page)) ? 'already' : 'not yet'} active`);

  step = 'no .env: a hint on app.py';
  // This key is rejected by the fake provider (401 invalid_api_key): a
  // hardcoded key that no longer works is a hint, "revoked — just delete
  // it" (dotted, and not in the Problems panel), not a warning.
  await openFile(page, 'app.py');
  await page.locator('.editor-group-container.active .squiggly-hint').first().waitFor({ timeout: 60000 });
  const tipText = await hoverOverHint(page, 'revoked — just delete it');
  log(`hover: ${tipText.slice(0, 200)}`);
  if (!/hardcoded-key/.test(tipText)) throw new Error(`the hover does not name hardcoded-key: ${tipText}`);
  if (!/invalid/.test(tipText)) throw new Error(`the hover does not say what the provider answered: ${tipText}`);
  // The hover's own text (not the editor line under it) must not repeat the key.
  if (tipText.includes(key)) throw new Error('the hover shows the full key');
  const squiggles = await page.locator('.editor-group-container.active .squiggly-error, .editor-group-container.active .squiggly-warning').count();
  if (squiggles) throw new Error(`a rejected hardcoded key still has ${squiggles} error/warning squiggle(s)`);
  // Away from the editor (a mouse over the hover keeps it open), so that
  // the status-bar tooltip below is not confused with it.
  await page.keyboard.press('Escape');
  await page.mouse.move(150, 500);
  await page
    .locator('.monaco-hover', { hasText: 'revoked — just delete it' })
    .first()
    .waitFor({ state: 'hidden', timeout: 10000 })
    .catch(() => log('the editor hover is still up'));

  step = 'no .env: neutral status bar';
  // Neutral: the bare "keyguard" (shield icon), no colour, no verdict and no
  // "server not running" — wait for the server to be up first, since a
  // starting server also shows the bare name.
  const neutral = (s) => s && s.text === 'keyguard' && !/error-kind|warning-kind/.test(s.cls);
  const st = await until('a neutral keyguard status-bar item', 20000, async () => {
    const s = await statusItem(page);
    return neutral(s) ? s : false;
  }).catch(async (e) => {
    throw new Error(`${e.message}; it is ${JSON.stringify(await statusItem(page))}`);
  });
  log(`status bar: ${JSON.stringify(st)}`);
  await page.locator('.statusbar-item').filter({ hasText: /keyguard/ }).first().hover();
  const tip = await page
    // :visible: the editor hover over app.py's hint stays in the page,
    // hidden, and says "keyguard" too.
    .locator('.monaco-hover:visible, .workbench-hover:visible, .monaco-hover-content:visible')
    .filter({ hasText: 'keyguard' })
    .first()
    .innerText({ timeout: 10000 })
    .catch(() => '');
  log(`tooltip: ${tip.replace(/\s+/g, ' ')}`);
  if (!/no `?\.env`? key checked yet/.test(tip)) throw new Error(`the tooltip is not the neutral one: ${JSON.stringify(tip)}`);
  await page.mouse.move(640, 300);
  await shot(page, '07-no-env');

  step = 'no .env: Check .env keys now';
  await clearNotifications(page);
  await runCommand(page, 'keyguard: Check .env keys now');
  const said = await until('the check summary', 30000, async () => {
    const all = await notificationsWithSeverity(page);
    return all.find((m) => /keyguard: /.test(m.text)) ? all : false;
  });
  log(`notifications: ${JSON.stringify(said)}`);
  const summary = said.find((m) => /keyguard: /.test(m.text));
  if (!/keyguard: no keys found in \.env files/.test(summary.text)) throw new Error(`unexpected summary: ${summary.text}`);
  if (summary.severity !== 'info') throw new Error(`the summary is ${summary.severity}, want info: ${summary.text}`);
  await shot(page, '08-no-env-check');
  await hideNotifications(page);
  // The check must not have left a verdict or an error behind.
  await page.waitForTimeout(1000);
  const after = await statusItem(page);
  if (!neutral(after)) throw new Error(`the status bar is not neutral after the check: ${JSON.stringify(after)}`);
  const all = await notificationsWithSeverity(page);
  await hideNotifications(page);
  const errors = all.filter((m) => m.severity === 'error');
  if (errors.length) throw new Error(`error notifications in a workspace without .env: ${JSON.stringify(errors)}`);
  log(`status bar after the check: ${after.text}; notifications, none an error: ${JSON.stringify(all)}`);
}

/**
 * A hostile repository opened in Restricted Mode (a second code-server,
 * started with workspace trust on). Its .vscode/settings.json points
 * keyguard.server.path at a script that leaves a marker (then runs the
 * real server, so nothing else would look wrong), keyguard.endpoints.openai
 * at an "attacker" fake provider, and allows 127.0.0.1. The user settings
 * allow 127.0.0.1 too and point openai at the honest fake provider: so
 * Restricted Mode is the only thing between the .env key and the attacker.
 */
async function untrustedWorkspace(browser) {
  const url = env('KG_UNTRUSTED_URL');
  const ws = env('KG_UNTRUSTED_WS');
  const marker = env('KG_MARKER');
  const attacker = env('KG_ATTACKER');
  const codeKey = env('KG_UNTRUSTED_CODE_KEY');
  const envKey = env('KG_UNTRUSTED_ENV_KEY');
  const requests = async (base) => (await (await fetch(`${base}/_fake/requests`)).json()) || [];
  const honestBefore = (await requests(env('KG_FAKE'))).length;

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  try {
    step = 'untrusted: open the folder';
    await openFolder(page, url, ws);
    // No modal may block the window (startupPrompt "never"); the
    // Restricted Mode indicator must be there, or this proves nothing.
    if (await page.locator('.monaco-dialog-box').isVisible().catch(() => false)) {
      await shot(page, '09-untrusted-dialog');
      throw new Error(`a dialog blocks the window: ${(await page.locator('.monaco-dialog-box').innerText()).replace(/\s+/g, ' ')}`);
    }
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 20000 });
    log('window is in Restricted Mode');

    step = 'untrusted: squiggle on app.py';
    await openFile(page, 'app.py');
    // An error squiggle "live key": the hardcoded key was probed and only
    // the user's (honest) fake provider calls it valid; the attacker's
    // would have said 401, a hint.
    await page.locator('.squiggly-error').first().waitFor({ timeout: 60000 });
    const problems = await until('a keyguard hardcoded-key problem saying "live key"', 20000, async () => {
      const t = await problemsText(page);
      return /hardcoded-key/.test(t) && /live key — rotate it now/.test(t) ? t : false;
    });
    if (problems.includes(codeKey)) throw new Error('the Problems panel shows the full key');
    log(`problems: ${problems.replace(/\s+/g, ' ').slice(0, 160)}`);

    step = 'untrusted: .env probed at the user endpoint';
    // Opening .env probes its key; the honest fake provider answers 401.
    await openFile(page, '.env');
    const envProblems = await until('an env-key-invalid problem', 60000, async () => {
      const t = await problemsText(page);
      return /env-key-invalid/.test(t) ? t : false;
    });
    if (envProblems.includes(envKey)) throw new Error('the Problems panel shows the full .env key');
    // A warning squiggle, not an error: the workspace's keyguard.severity
    // (not a restricted setting) lowered env-key-invalid, which proves its
    // .vscode/settings.json was read at all in Restricted Mode.
    await page.locator('.editor-group-container.active .squiggly-warning').first().waitFor({ timeout: 20000 });
    const envErrors = await page.locator('.editor-group-container.active .squiggly-error').count();
    if (envErrors) throw new Error(`the workspace's severity for env-key-invalid was not applied: ${envErrors} error squiggle(s) in .env`);
    const honestBeforeCheck = await settledProbes(env('KG_FAKE'));
    await clearNotifications(page);
    await runCommand(page, 'keyguard: Check .env keys now');
    const summary = await until('the check summary', 30000, async () =>
      (await notifications(page)).find((m) => /keyguard: \d+ keys? checked/.test(m)),
    );
    log(`summary: ${summary}`);
    if (!/keyguard: 1 key checked — 1 invalid\./.test(summary)) throw new Error(`unexpected summary: ${summary}`);
    // The check's fresh probe of the one .env key went to the user's
    // endpoint: exactly one new GET there (the hardcoded key's probe at
    // open is already counted in honestBeforeCheck).
    const honestAfterCheck = await settledProbes(env('KG_FAKE'));
    if (honestAfterCheck !== honestBeforeCheck + 1) {
      throw new Error(`Check .env keys sent ${honestAfterCheck - honestBeforeCheck} probe(s) to the user's endpoint, want 1`);
    }
    await hideNotifications(page);
    await page.mouse.move(640, 300);
    await shot(page, '09-untrusted');

    step = 'untrusted: nothing reached the attacker';
    const honest = (await requests(env('KG_FAKE'))).slice(honestBefore);
    const models = honest.filter((r) => r.Method === 'GET' && /\/v1\/models$/.test(r.Path || r.URL || ''));
    log(`honest fake provider: ${honest.length} new request(s), ${models.length} GET …/v1/models`);
    // app.py's hardcoded key at open, .env's key at open (unless the
    // verdict of a probe still running was reused) and on the check.
    if (models.length < 2) throw new Error(`want at least 2 probes at the user's endpoint (app.py's key, .env's check), got ${models.length}`);
    const stolen = await requests(attacker);
    if (stolen.length) throw new Error(`${stolen.length} request(s) reached the workspace's endpoint: ${JSON.stringify(stolen).slice(0, 300)}`);
    // The positive control: probes did go out, to the user's endpoint.
    if (models.length === 0) throw new Error(`no probe reached the user's endpoint: ${JSON.stringify(honest).slice(0, 300)}`);

    step = 'untrusted: the bundled binary runs';
    if (fs.existsSync(marker)) throw new Error(`the workspace's keyguard.server.path ran: ${fs.readFileSync(marker, 'utf8').trim()}`);
    log('no marker, no request to the attacker');
  } finally {
    await ctx.close().catch(() => undefined);
  }
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // The machine's network is closed: without these Chromium keeps
    // trying Google's hosts in the background.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const consoleLog = fs.createWriteStream(path.join(ART, 'browser-console.log'));
  page.on('console', (m) => consoleLog.write(`${m.type()}: ${m.text()}\n`));
  try {
    step = 'open workbench';
    await page.goto(`${URL_}/?folder=${encodeURIComponent(WS)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('.statusbar').waitFor({ timeout: 60000 });
    log('workbench up');

    step = 'open app.py';
    await openFile(page, 'app.py');
    log('app.py open');

    step = 'squiggle on the hardcoded key';
    // The key is probed on open (probe.hardcoded) and the fake provider
    // calls it valid: a live key is an error, whatever its default
    // severity (a warning until the verdict is in).
    await page.locator('.view-lines').first().waitFor();
    await page.locator('.squiggly-error').first().waitFor({ timeout: 60000 });
    log('error squiggle shown');
    const hardcodedProbes = await modelProbes(env('KG_FAKE'));
    if (hardcodedProbes < 1) throw new Error('an error squiggle, but no probe reached the fake provider');

    step = 'Problems panel';
    const problems = await until('a keyguard hardcoded-key problem saying "live key — rotate it now"', 20000, async () => {
      const t = await problemsText(page);
      return /keyguard/.test(t) && /hardcoded-key/.test(t) && /live key — rotate it now/.test(t) ? t : false;
    });
    log(`problems: ${problems.replace(/\s+/g, ' ').slice(0, 200)}`);
    if (problems.includes(CODE_KEY)) throw new Error('the Problems panel shows the full key');
    await shot(page, '01-hardcoded-key');

    step = 'unopened .env in the Problems panel';
    // web/.env.local was never opened: the server lists the workspace's
    // .env files and publishes their problems at startup.
    // The workspace is a git repository without a .gitignore, so both
    // .env and web/.env.local are also not ignored (env-not-ignored).
    const notIgnored = (t) => (t.match(/env-not-ignored/g) || []).length;
    const envLocal = await until('the env-format problem of web/.env.local and two env-not-ignored', 30000, async () => {
      const t = await problemsText(page);
      return /\.env\.local/.test(t) && /OPENAI_API_KEY is empty/.test(t) && notIgnored(t) === 2 ? t : false;
    });
    if (await page.locator('.tab[data-resource-name=".env.local"]').count()) throw new Error('.env.local is open in an editor');
    log(`problems: ${envLocal.replace(/\s+/g, ' ').slice(0, 300)}`);

    step = 'quick fix menu';
    // Focus the editor, jump to the problem, close the peek, open the
    // code actions: the keyboard path a user takes (F8, Escape, Ctrl+.).
    await page.locator('.monaco-editor .view-lines').first().click();
    // From the top: F8 goes to the next problem in *files*; from below
    // app.py's key it would open .env's (env-not-ignored is there now).
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('F8');
    await page.waitForTimeout(500);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+.');
    const rows = page.locator('.action-widget .monaco-list-row');
    await rows.first().waitFor({ timeout: 15000 });
    const titles = await until('code actions', 10000, async () => {
      const t = await rows.allInnerTexts();
      return t.some((x) => x.includes('Move key to .env')) ? t : false;
    });
    log(`actions: ${titles.map((t) => t.replace(/\s+/g, ' ')).join(' | ')}`);
    // Clicking a row timed out in this setup; move the focus instead.
    for (let i = 0; i < 12; i++) {
      const f = await page.locator('.action-widget .monaco-list-row.focused').allInnerTexts();
      if (f.some((x) => x.includes('Move key to .env'))) break;
      await page.keyboard.press('ArrowDown');
    }
    const chosen = (await page.locator('.action-widget .monaco-list-row.focused').allInnerTexts()).join(' ');
    if (!chosen.includes('Move key to .env as OPENAI_API_KEY')) throw new Error(`focused action is "${chosen}"`);
    await shot(page, '02-quick-fix');
    await page.keyboard.press('Enter');

    step = 'save all';
    // The edit opens .env, .gitignore and .env.example as dirty editors.
    await until('the edit to reach app.py in the editor', 15000, async () =>
      (await page.locator('.monaco-editor .view-lines').first().innerText()).includes('os.environ'),
    );
    await runCommand(page, 'File: Save All');
    // Save All writes the files one after another: wait for the last of
    // them, then check each (a timeout falls through to the checks, which
    // say what is missing).
    await until('app.py, .env and .gitignore to be saved', 20000, async () =>
      (read('app.py') || '').includes('os.environ[') &&
      (read('.env') || '').includes('OPENAI_API_KEY=') &&
      /^\/?\.env$/m.test(read('.gitignore') || ''),
    ).catch((e) => log(e.message));

    step = 'files on disk';
    const app = read('app.py');
    const dotenv = read('.env');
    const gitignore = read('.gitignore');
    if (!/^import os$/m.test(app)) throw new Error('app.py has no "import os"');
    if (!app.includes('os.environ["OPENAI_API_KEY"]')) throw new Error('app.py does not read os.environ["OPENAI_API_KEY"]');
    if (app.includes(CODE_KEY)) throw new Error('app.py still holds the key');
    if (!dotenv || !dotenv.includes(`OPENAI_API_KEY=${CODE_KEY}`)) throw new Error('.env does not hold OPENAI_API_KEY=<the key>');
    if (!dotenv.includes(ENV_KEY)) throw new Error('.env lost the key it had');
    if (!gitignore || !/^\/?\.env$/m.test(gitignore)) throw new Error(`.gitignore does not ignore .env: ${JSON.stringify(gitignore)}`);
    log(`app.py, .env and .gitignore are right; app.py is now:\n${app}`);
    await shot(page, '03-after-fix');

    step = '.gitignore watched';
    // The fix's .gitignore entry, once saved, must clear .env's
    // env-not-ignored: the server asks git again when the .gitignore it
    // watches changes (VS Code reports it through the watcher the server
    // registered) or is saved (the fix opened it as a document). Which of
    // the two came first is not visible here; lsp tests cover each.
    // web/.env.local (not matched by ".env") keeps its own.
    const afterIgnore = await until('one env-not-ignored left (web/.env.local)', 20000, async () => {
      const t = await problemsText(page);
      return notIgnored(t) === 1 && /\.env\.local/.test(t) ? t : false;
    }).catch(async (e) => {
      throw new Error(`${e.message}; the Problems panel: ${(await problemsText(page)).replace(/\s+/g, ' ').slice(0, 400)}`);
    });
    log(`problems: ${afterIgnore.replace(/\s+/g, ' ').slice(0, 300)}`);

    step = 'open .env';
    // From the Explorer: quick open searches with ripgrep, which honours
    // the .gitignore the quick fix just wrote, so .env is not offered.
    const row = page.locator('.explorer-folders-view .monaco-list-row', {
      has: page.locator('.label-name', { hasText: /^\.env$/ }),
    });
    await row.first().waitFor({ timeout: 15000 });
    await row.first().dblclick();
    await page.locator('.tab.active', { hasText: /^\s*\.env\b(?!\.)/ }).first().waitFor({ timeout: 15000 });
    log('.env open');

    step = 'env-key-invalid diagnostic';
    const envProblems = await until('an env-key-invalid problem', 60000, async () => {
      const t = await problemsText(page);
      return /env-key-invalid/.test(t) ? t : false;
    });
    log(`problems: ${envProblems.replace(/\s+/g, ' ').slice(0, 300)}`);
    if (envProblems.includes(ENV_KEY) || envProblems.includes(CODE_KEY)) throw new Error('the Problems panel shows a full key');
    await page.locator('.squiggly-error, .squiggly-warning').first().waitFor({ timeout: 10000 });

    step = 'status bar';
    const item = page.locator('.statusbar-item', { hasText: 'keyguard: ' });
    const text = await until('the keyguard status-bar item to show the invalid verdict', 30000, async () => {
      const t = (await item.allInnerTexts()).join(' ');
      return /keyguard: (\d+ )?invalid key/.test(t) ? t : false;
    });
    log(`status bar: ${text.trim()}`);
    await item.first().hover();
    const hover = page.locator('.monaco-hover, .workbench-hover, .monaco-hover-content').filter({ hasText: 'OPENAI_API_KEY' });
    const tip = await hover
      .first()
      .innerText({ timeout: 10000 })
      .catch(() => '');
    log(`tooltip: ${tip.replace(/\s+/g, ' ').slice(0, 300)}`);
    if (!/invalid/.test(tip)) throw new Error('the status-bar tooltip does not list the invalid verdict');
    if (tip.includes(ENV_KEY) || tip.includes(CODE_KEY)) throw new Error('the status-bar tooltip shows a full key');
    if (!tip.includes(`${ENV_KEY.slice(0, 6)}…${ENV_KEY.slice(-4)}`) && !tip.includes(`${CODE_KEY.slice(0, 6)}…${CODE_KEY.slice(-4)}`)) {
      throw new Error('the status-bar tooltip has no masked key');
    }
    await shot(page, '04-env-invalid');
    await page.mouse.move(640, 300);

    step = 'click the status bar: Check .env keys now';
    // Settled first: opening .env probed its keys (app.py's moved key may
    // be answered from the cache of its hardcoded probe), and a late
    // answer must not be counted as the click's.
    const probesBefore = await settledProbes(env('KG_FAKE'));
    await clearNotifications(page);
    await item.first().click();
    const summary = await until('the check summary', 30000, async () =>
      (await notifications(page)).find((m) => /keyguard: \d+ keys? checked/.test(m)),
    );
    log(`summary: ${summary}`);
    // The hygiene issues are web/.env.local's (an empty key, not
    // git-ignored): the check covers nested .env files too.
    // .env holds the invalid LEGACY_OPENAI_API_KEY and, since the quick
    // fix, app.py's live key as OPENAI_API_KEY.
    if (!/keyguard: 2 keys checked — 1 invalid, 1 valid, 2 hygiene issues\./.test(summary)) throw new Error(`unexpected summary: ${summary}`);
    if (summary.includes(ENV_KEY) || summary.includes(CODE_KEY)) throw new Error('the summary shows a full key');
    // Both keys were probed at open (within the cache's 10 minutes): a
    // click is an explicit request and must ask the provider again.
    const probesAfter = await settledProbes(env('KG_FAKE'));
    log(`GET /v1/models at the fake provider: ${probesBefore} before the click, ${probesAfter} after`);
    if (probesAfter < probesBefore + 2) throw new Error(`the click sent ${probesAfter - probesBefore} new probe(s), want one per key (2): answered from the cache`);
    // No more either: app.py holds no key any longer, and a click checks
    // .env files, not code.
    if (probesAfter > probesBefore + 2) throw new Error(`the click sent ${probesAfter - probesBefore} new probes, want one per .env key (2)`);
    await hideNotifications(page);

    step = 'Scan workspace';
    await clearNotifications(page);
    await runCommand(page, 'keyguard: Scan workspace');
    const scanned = await until('the scan summary', 30000, async () =>
      (await notifications(page)).find((m) => /keyguard: \d+ keys? in \d+ files scanned/.test(m)),
    );
    log(`scan: ${scanned}`);
    // After the fix the key lives only in .env, which a scan leaves to the probes.
    if (!/keyguard: 0 keys in [1-9]\d* files scanned/.test(scanned)) throw new Error(`unexpected scan result: ${scanned}`);
    await hideNotifications(page);

    step = 'Check quota asks first';
    const posts = async () =>
      (await (await fetch(`${env('KG_FAKE')}/_fake/requests`)).json()).filter((r) => r.Method !== 'GET').length;
    const before = await posts();
    await runCommand(page, 'keyguard: Check quota');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10000 });
    const dtext = (await dialog.innerText()).replace(/\s+/g, ' ');
    log(`dialog: ${dtext}`);
    if (!/paid request/.test(dtext) || !/1 token/.test(dtext)) throw new Error(`the quota dialog does not say it costs: ${dtext}`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 5000 });
    await page.waitForTimeout(1500);
    if ((await posts()) !== before) throw new Error('cancelling Check quota still made a paid request');

    await everyDocument(page);
    await badServers(page);
    await noEnvWorkspace(page);
    await untrustedWorkspace(browser);
    step = 'done';
    log('all steps passed');
  } catch (err) {
    await page.screenshot({ path: path.join(ART, 'failure.png') }).catch(() => undefined);
    console.log(`FAIL at step "${step}": ${err && err.message ? err.message.split('\n')[0] : String(err)}`);
    process.exitCode = 1;
  } finally {
    consoleLog.end();
    await browser.close().catch(() => undefined);
  }
}

main();
