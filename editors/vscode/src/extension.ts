// The keyguard VS Code extension: starts `keyguard lsp --stdio` through
// vscode-languageclient and adds what the protocol has no place for — the
// status-bar verdict, palette commands, one clear error when the binary is
// unusable, and restarts with backoff when the server crashes.
//
// Everything that can be decided without VS Code lives in pure modules
// (binary.ts, settings.ts, status.ts, backoff.ts, redact.ts) with node --test
// tests; this file only wires them to the editor.

import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  CloseAction,
  CloseHandlerResult,
  ConfigurationParams,
  DidChangeConfigurationNotification,
  DocumentSelector,
  ErrorAction,
  ErrorHandlerResult,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

import { Backoff } from './backoff';
import { findServer, nodeProbe, spawnErrorMessage } from './binary';
import { documentSelector } from './languages';
import { redact } from './redact';
import { Inspect, ServerSettings, mapSettings, serverPath } from './settings';
import { CheckReport, ProbeResult, ProbeState, ServerState, checkArguments, locate, render, summarize } from './status';

/** The README section the setup error points to. */
export const DOCS_URL = 'https://github.com/keyguard/keyguard/tree/main/editors/vscode#troubleshooting';

// Palette commands have ids of their own (keyguard.client.*). The server
// announces keyguard.checkEnv / checkQuota / scanWorkspace in
// executeCommandProvider and languageclient registers those ids as VS Code
// commands itself; contributing the same ids from package.json would make
// the second registration throw ("command already exists") on every start.
// Keeping the auto-registration means code actions and other extensions
// can still run the server's commands by their contract ids, while the
// palette versions add what a person needs: a confirmation for the paid
// quota request, a summary message and the status-bar update.
const CMD = {
  checkEnv: 'keyguard.client.checkEnv',
  checkQuota: 'keyguard.client.checkQuota',
  scanWorkspace: 'keyguard.client.scanWorkspace',
  restart: 'keyguard.client.restartServer',
  showOutput: 'keyguard.client.showOutput',
};

const HEALTHY_AFTER_MS = 60_000;

/**
 * languageclient shows a notification of its own ('force') when it cannot
 * spawn the server or the connection closes. The extension decides what
 * the user sees (exactly one message per problem), so client errors go to
 * the output channel only.
 */
class KeyguardClient extends LanguageClient {
  override error(message: string, data?: unknown, _showNotification?: boolean | 'force'): void {
    super.error(message, data, false);
  }
}

/** An output channel that masks key-like tokens in everything written to it. */
function redacting(ch: vscode.OutputChannel): vscode.OutputChannel {
  return {
    get name() {
      return ch.name;
    },
    append: (v: string) => ch.append(redact(v)),
    appendLine: (v: string) => ch.appendLine(redact(v)),
    replace: (v: string) => ch.replace(redact(v)),
    clear: () => ch.clear(),
    show: (a?: unknown, b?: boolean) => (typeof a === 'boolean' ? ch.show(a) : ch.show(a as vscode.ViewColumn, b)),
    hide: () => ch.hide(),
    dispose: () => ch.dispose(),
  };
}

class Controller implements vscode.Disposable {
  private readonly output: vscode.OutputChannel;
  private readonly raw: vscode.OutputChannel;
  private readonly status: vscode.StatusBarItem;
  private readonly probes = new ProbeState();
  private readonly backoff = new Backoff();
  private readonly disposables: vscode.Disposable[] = [];

  private client: KeyguardClient | undefined;
  private server: ServerState = 'stopped';
  private checking = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private healthyTimer: NodeJS.Timeout | undefined;
  /** The setup error last shown, so that it is shown once, not per retry. */
  private shownError: string | undefined;
  private lastWarnings = '';
  private generation = 0;
  private disposed = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: vscode.ExtensionContext) {
    this.raw = vscode.window.createOutputChannel('keyguard');
    this.output = redacting(this.raw);
    this.status = vscode.window.createStatusBarItem('keyguard.status', vscode.StatusBarAlignment.Right, 100);
    this.status.name = 'keyguard';
    this.status.command = CMD.checkEnv;
    this.disposables.push(this.raw, this.status);
    this.renderStatus();
    this.status.show();
  }

  log(msg: string): void {
    this.output.appendLine(`[ext   - ${new Date().toLocaleTimeString()}] ${msg}`);
  }

  /**
   * Shows a (non-modal) notification and logs that it did. VS Code folds
   * identical visible notifications into one, so only the log can prove
   * that the extension itself asked once (the e2e test counts these lines).
   */
  private notify(kind: 'error' | 'warning' | 'info', msg: string, ...items: string[]): Thenable<string | undefined> {
    this.log(`shown ${kind}: ${msg}`);
    const fn =
      kind === 'error' ? vscode.window.showErrorMessage : kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return fn(msg, ...items);
  }

  register(): void {
    const reg = (id: string, fn: () => unknown) => this.disposables.push(vscode.commands.registerCommand(id, fn));
    reg(CMD.checkEnv, () => this.checkEnv(false));
    reg(CMD.checkQuota, () => this.checkQuota());
    reg(CMD.scanWorkspace, () => this.scanWorkspace());
    reg(CMD.restart, () => this.restart('restart requested'));
    reg(CMD.showOutput, () => this.output.show(true));

    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('keyguard')) return;
        if (e.affectsConfiguration('keyguard.server.path')) {
          void this.restart('keyguard.server.path changed');
        }
        // Other keyguard.* changes reach the server through languageclient's
        // configuration sync (see the didChangeConfiguration middleware).
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.restart('workspace trusted')),
      vscode.workspace.onDidDeleteFiles((e) => {
        for (const f of e.files) if (f.scheme === 'file') this.probes.forget(f.fsPath);
        this.renderStatus();
      }),
    );
  }

  private inspect(): Inspect {
    const cfg = vscode.workspace.getConfiguration('keyguard');
    return <T>(key: string) => cfg.inspect<T>(key);
  }

  /** The settings the server gets; warnings about dropped values go to the output once. */
  private settings(): ServerSettings {
    const m = mapSettings(this.inspect(), vscode.workspace.isTrusted);
    const w = m.warnings.join('\n');
    if (w !== this.lastWarnings) {
      this.lastWarnings = w;
      for (const line of m.warnings) this.log(line);
    }
    return m.settings;
  }

  private async start(): Promise<void> {
    if (this.disposed) return;
    const gen = ++this.generation;
    const lookup = findServer(
      {
        setting: serverPath(this.inspect(), vscode.workspace.isTrusted),
        extensionPath: this.ctx.extensionPath,
        platform: process.platform,
        arch: process.arch,
        envPath: process.env.PATH ?? '',
      },
      nodeProbe,
    );
    if (!lookup.ok) {
      for (const p of lookup.problems) this.log(`server lookup: ${p.candidate.source} ${p.candidate.path}: ${p.reason}`);
      this.fail(lookup.message);
      return;
    }
    for (const p of lookup.tried) this.log(`server lookup: ${p.candidate.source} ${p.candidate.path}: ${p.reason}`);
    this.log(`starting ${lookup.path} lsp --stdio (${lookup.source})`);

    const serverOptions: ServerOptions = {
      command: lookup.path,
      args: ['lsp', '--stdio'],
      transport: TransportKind.stdio,
    };
    const selector: DocumentSelector = documentSelector();
    let crashed = false;
    const clientOptions: LanguageClientOptions = {
      documentSelector: selector,
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: () => this.settings(),
      // The server asks with workspace/configuration; the middleware below
      // answers with the mapped (trust- and allowlist-filtered) section.
      synchronize: { configurationSection: 'keyguard' },
      diagnosticCollectionName: 'keyguard',
      initializationFailedHandler: (err) => {
        this.log(`server initialization failed: ${err instanceof Error ? err.message : String(err)}`);
        return false; // no retry loop; closed() or start().catch decide
      },
      errorHandler: {
        error: (_err, _msg, count): ErrorHandlerResult => ({
          // A few bad frames are survivable; a stream of them is a dead
          // connection, which closed() then restarts.
          action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
          handled: true,
        }),
        closed: (): CloseHandlerResult => {
          crashed = true;
          if (gen === this.generation) this.crashed();
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      middleware: {
        workspace: {
          configuration: async (params: ConfigurationParams, token, next) => {
            const others = params.items.some((i) => i.section !== 'keyguard');
            const res = others ? await next(params, token) : params.items.map(() => null);
            if (!Array.isArray(res)) return res;
            return params.items.map((item, i) => (item.section === 'keyguard' ? this.settings() : res[i]));
          },
          didChangeConfiguration: async () => {
            // Push the mapped section rather than the raw one languageclient
            // would read; a server that pulls ignores it and asks anyway.
            await this.client?.sendNotification(DidChangeConfigurationNotification.type, {
              settings: { keyguard: this.settings() },
            });
          },
        },
      },
      markdown: { isTrusted: false, supportHtml: false },
    };

    const client = new KeyguardClient('keyguard', 'keyguard', serverOptions, clientOptions);
    this.client = client;
    client.onNotification('keyguard/probeResult', (p: ProbeResult) => {
      if (!p.locations?.length && !this.probes.knows(p.fingerprint)) {
        // The server could not say where the key is (see locate()): find it.
        p = { ...p, locations: this.locateKey(p.fingerprint) };
      }
      if (this.probes.onProbeResult(p)) this.renderStatus();
    });
    client.onDidChangeState((e) => {
      if (gen !== this.generation) return;
      if (e.newState === State.Running) {
        this.server = 'running';
        clearTimeout(this.healthyTimer);
        this.healthyTimer = setTimeout(() => this.backoff.healthy(), HEALTHY_AFTER_MS);
      } else if (e.newState === State.Starting) {
        this.server = 'starting';
      } else if (this.server !== 'failed') {
        this.server = 'stopped';
      }
      this.renderStatus();
    });
    this.server = 'starting';
    this.renderStatus();
    try {
      await client.start();
      this.log('server running');
    } catch (err) {
      if (crashed || gen !== this.generation) return; // closed() took over
      const e = err as { code?: string; message?: string };
      this.fail(e.code ? spawnErrorMessage(lookup.path, e) : `keyguard: the server did not start: ${e.message ?? String(err)}`);
    }
  }

  /** Where a fingerprinted key sits: open .env documents, then .env files at the workspace roots. */
  private locateKey(fp: string): { uri: string; line: number; var: string }[] {
    const files = new Map<string, string>();
    for (const d of vscode.workspace.textDocuments) {
      if (d.uri.scheme === 'file' && path.basename(d.uri.fsPath).startsWith('.env')) files.set(d.uri.fsPath, d.getText());
    }
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (f.uri.scheme !== 'file') continue;
      let names: string[] = [];
      try {
        names = fs.readdirSync(f.uri.fsPath).filter((n) => n === '.env' || n.startsWith('.env.'));
      } catch {
        continue;
      }
      for (const n of names) {
        const p = path.join(f.uri.fsPath, n);
        if (files.has(p)) continue;
        try {
          if (fs.statSync(p).size < 1 << 20) files.set(p, fs.readFileSync(p, 'utf8'));
        } catch {
          // unreadable: not ours to report
        }
      }
    }
    return locate(fp, [...files].map(([file, text]) => ({ file, text }))).map((l) => ({
      uri: vscode.Uri.file(l.file).toString(),
      line: l.line,
      var: l.var,
    }));
  }

  /** A setup problem: shown once with a way to the docs, then only logged. */
  private fail(message: string): void {
    this.server = 'failed';
    this.renderStatus();
    this.log(message);
    if (this.shownError === message) return;
    this.shownError = message;
    void this.notify('error', message, 'Open docs', 'Show output').then((pick) => {
      if (pick === 'Open docs') void vscode.env.openExternal(vscode.Uri.parse(DOCS_URL));
      if (pick === 'Show output') this.output.show(true);
    });
  }

  /** The connection closed without being asked to: restart with backoff. */
  private crashed(): void {
    clearTimeout(this.healthyTimer);
    const d = this.backoff.crashed(Date.now());
    if (d.action === 'give-up') {
      this.server = 'failed';
      this.renderStatus();
      const msg = `keyguard: the language server crashed ${d.crashes} times within 3 minutes and will not be restarted.`;
      this.log(msg);
      void this.notify('error', msg, 'Show output', 'Restart').then((pick) => {
        if (pick === 'Show output') this.output.show(true);
        if (pick === 'Restart') void this.restart('restart requested');
      });
      return;
    }
    this.server = 'stopped';
    this.renderStatus();
    this.log(`server stopped unexpectedly; restart ${d.attempt} in ${d.delayMs} ms`);
    if (d.notify) {
      void this.notify('warning', 'keyguard: the language server stopped unexpectedly and is being restarted.', 'Show output')
        .then((pick) => {
          if (pick === 'Show output') this.output.show(true);
        });
    }
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.replace(), d.delayMs);
  }

  /**
   * Drops the current client (crashed or running) and starts a new one.
   * Calls are queued: two settings events in a row must not leave two
   * servers running, the first one orphaned.
   */
  replace(): Promise<void> {
    this.queue = this.queue.then(() => this.replaceNow()).catch((err) => {
      this.log(`restart failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    return this.queue;
  }

  private async replaceNow(): Promise<void> {
    if (this.disposed) return;
    const old = this.client;
    this.client = undefined;
    this.generation++; // events of the old client no longer count
    if (old) {
      try {
        await old.dispose(2000);
      } catch (err) {
        this.log(`stopping the old server: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await this.start();
  }

  async restart(why: string): Promise<void> {
    this.log(`restarting: ${why}`);
    clearTimeout(this.restartTimer);
    this.backoff.reset();
    this.shownError = undefined;
    this.server = 'stopped';
    await this.replace();
  }

  private renderStatus(): void {
    const r = render(this.probes.list(), {
      server: this.server,
      checking: this.checking > 0,
      relative: (f) => vscode.workspace.asRelativePath(f, false),
    });
    this.status.text = r.text;
    const tip = new vscode.MarkdownString(r.tooltip);
    tip.supportThemeIcons = false;
    this.status.tooltip = tip;
    // The label screen readers hear and what tests find the item by:
    // the text without the $(icon).
    this.status.accessibilityInformation = { label: r.text.replace(/\$\([^)]*\)\s*/g, '') };
    this.status.backgroundColor =
      r.level === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : r.level === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }

  /** The running client, or undefined after telling the user why not. */
  private ready(): KeyguardClient | undefined {
    if (this.client && this.client.state === State.Running) return this.client;
    if (this.server === 'failed' && this.shownError) {
      // An explicit command is worth repeating the setup error for.
      const msg = this.shownError;
      this.shownError = undefined;
      this.fail(msg);
    } else if (this.server === 'failed') {
      void this.notify('error', 'keyguard: the language server is not running (it kept crashing).', 'Restart', 'Show output').then((p) => {
        if (p === 'Restart') void this.restart('restart requested');
        if (p === 'Show output') this.output.show(true);
      });
    } else {
      void this.notify('warning', 'keyguard: the language server is still starting; try again in a moment.', 'Show output').then((p) => {
        if (p) this.output.show(true);
      });
    }
    return undefined;
  }

  private async checkEnv(quota: boolean): Promise<void> {
    const client = this.ready();
    if (!client) return;
    this.checking++;
    this.renderStatus();
    try {
      const report = (await client.sendRequest(ExecuteCommandRequest.type, {
        command: quota ? 'keyguard.checkQuota' : 'keyguard.checkEnv',
        arguments: checkArguments(quota),
      })) as CheckReport | null;
      if (!report) return;
      this.probes.onCheckReport(report);
      const s = summarize(report);
      this.log(s.text);
      void this.notify(s.bad ? 'warning' : 'info', s.text, 'Show problems').then((p) => {
        if (p) void vscode.commands.executeCommand('workbench.actions.view.problems');
      });
    } catch (err) {
      this.log(`checkEnv failed: ${err instanceof Error ? err.message : String(err)}`);
      void this.notify('error', `keyguard: checking .env keys failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.checking--;
      this.renderStatus();
    }
  }

  private async checkQuota(): Promise<void> {
    const go = await vscode.window.showWarningMessage(
      'keyguard: Check quota makes a paid request per key. Continue?',
      {
        modal: true,
        detail:
          'For every key that works, keyguard sends one real completion request of 1 token to the provider — the only way to learn whether the account still has credit. It costs a fraction of a cent per key and shows up in the provider\'s usage.',
      },
      'Check quota',
    );
    if (go === 'Check quota') await this.checkEnv(true);
  }

  private async scanWorkspace(): Promise<void> {
    const client = this.ready();
    if (!client) return;
    try {
      const r = (await client.sendRequest(ExecuteCommandRequest.type, { command: 'keyguard.scanWorkspace', arguments: [] })) as {
        files: number;
        findings: number;
        ms: number;
      } | null;
      if (!r) return;
      const text = `keyguard: ${r.findings} key${r.findings === 1 ? '' : 's'} in ${r.files} files scanned (${r.ms} ms).`;
      this.log(text);
      void this.notify('info', text, 'Show problems').then((p) => {
        if (p) void vscode.commands.executeCommand('workbench.actions.view.problems');
      });
    } catch (err) {
      void this.notify('error', `keyguard: workspace scan failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async stop(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.healthyTimer);
    const c = this.client;
    this.client = undefined;
    if (c) await c.dispose(2000).catch(() => undefined);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

let controller: Controller | undefined;

export async function activate(ctx: vscode.ExtensionContext): Promise<void> {
  controller = new Controller(ctx);
  ctx.subscriptions.push(controller);
  controller.register();
  // Not awaited: activation must not wait on the server, and a failed
  // start is reported by start() itself.
  void controller.replace();
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
