import * as vscode from 'vscode';
import type { TeamServerArgs } from '../core/team/editorSync';
import { COMMANDS } from './commandIds';
import { Disposable, intervalDisposable } from './lifecycle';
import { affects, type SettingsWatcher } from './settings';
import type { StoreHost } from './storeHost';
import { plural } from '../shared/words';

/** Between background syncs; the server folds new events into its roll-ups at most once a minute anyway. */
const SYNC_INTERVAL_MS = 5 * 60_000;
/** Rows the preview shows; the push sends the same rows in batches. */
const PREVIEW_ROWS = 500;

/**
 * Shares this store with the team's PostgreSQL server when `sessionBuddy.team.share` is on and
 * `sessionBuddy.team.url` names one: a push, then a pull, every few minutes and after the settings
 * change, in the background (nothing on the editor's path awaits it). The password lives in VS
 * Code's secret storage. `describe()` is the sync state for the status bar's tooltip.
 */
export class TeamSync extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  /** Empty while no team server is set: the tooltip then says nothing about teams. */
  private state = '';
  private running: Promise<void> | undefined;

  constructor(
    private readonly host: StoreHost,
    private readonly settings: SettingsWatcher,
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    // The store host shares a sync with its other windows' (one started within half the interval); a change of the settings syncs now.
    this.register(intervalDisposable(SYNC_INTERVAL_MS, () => void this.sync(SYNC_INTERVAL_MS / 2)));
    this.register(settings.onDidChange((e) => {
      if (affects(e, 'team')) void this.sync(0);
    }));
    this.register(vscode.commands.registerCommand(COMMANDS.showSharedData, () => this.showShared()));
    this.register(vscode.commands.registerCommand(COMMANDS.setTeamPassword, () => this.setPassword()));
    void host.window.then(() => this.sync(SYNC_INTERVAL_MS / 2), () => undefined);
  }

  /** Whether a team server is configured (Delete All Data then offers to delete this member's rows there). */
  get configured(): boolean {
    return this.settings.current.team.url !== '';
  }

  /** Invocations recorded here that the configured team store has not received yet. */
  async unpushed(): Promise<number> {
    const { url } = this.settings.current.team;
    if (!url) return 0;
    try {
      return await (await this.host.window).command('teamUnpushed', { url });
    } catch {
      return 0;
    }
  }

  /** `team leave --delete` for this member: their rows on the server go, and the pulled team rows here. */
  async deleteServerRows(): Promise<number> {
    const window = await this.host.window;
    return window.command('teamLeave', (await this.server(this.settings.current.team.url)).args);
  }

  /** One line for the status bar's tooltip, or '' when there is nothing to say. */
  describe(): string {
    return this.state;
  }

  private setState(state: string): void {
    this.state = state;
    this.changed.fire();
  }

  /** A sync already under way is joined, never started twice; `sharedWithinMs`: see SharedTeamSyncs. */
  sync(sharedWithinMs = 0): Promise<void> {
    this.running ??= this.runSync(sharedWithinMs).finally(() => (this.running = undefined));
    return this.running;
  }

  private async runSync(sharedWithinMs: number): Promise<void> {
    const { url, share } = this.settings.current.team;
    if (!url || !share || this.isDisposed) {
      this.setState(url && !share ? 'not sharing (sessionBuddy.team.share is off)' : '');
      return;
    }
    const window = await this.host.window.catch(() => undefined);
    if (!window || this.isDisposed) return;
    try {
      const server = await this.server(url);
      this.setState(`syncing with ${server.label}…`);
      const synced = await window.command('teamSync', { ...server.args, sharedWithinMs });
      const held = synced.heldBack.reduce((n, h) => n + h.count, 0);
      this.setState(`synced with ${synced.label} at ${new Date(synced.at).toLocaleTimeString()}: ${synced.sent} sent${held ? `, ${held} held back` : ''}, ${synced.baselines} team baselines`);
      for (const h of synced.heldBack) this.log.info(`Team push held back ${h.count} invocation(s): ${h.reason}`);
    } catch (err) {
      this.log.warn(`Team sync: ${(err as Error).message}`);
      this.setState(`sync failed: ${(err as Error).message}`);
    }
  }

  /** The setting's URL with the password kept for it in the secret storage, and the server's label for messages. */
  private async server(url: string): Promise<{ args: TeamServerArgs; label: string }> {
    const { parseTeamServer } = await import('../core/team/connection');
    const server = parseTeamServer(url);
    const password = await this.secrets.get(secretKey(server));
    return { args: password === undefined ? { url } : { url, password }, label: server.label };
  }

  private async showShared(): Promise<void> {
    const { url } = this.settings.current.team;
    if (!url) {
      void vscode.window.showInformationMessage('Session Buddy shares nothing: no team server is set (sessionBuddy.team.url).');
      return;
    }
    try {
      const window = await this.host.window;
      const { label, rows } = await window.command('teamPreview', { ...(await this.server(url)).args, limit: PREVIEW_ROWS });
      const header = { team_server: label, sharing: this.settings.current.team.share, next_push: `${plural(rows.length, 'row')}${rows.length === PREVIEW_ROWS ? ' (first shown)' : ''}` };
      const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify({ ...header, rows }, null, 2) });
      await vscode.window.showTextDocument(doc, { preview: true });
    } catch (err) {
      void vscode.window.showErrorMessage(`Session Buddy: ${(err as Error).message}`);
    }
  }

  private async setPassword(): Promise<void> {
    const { url } = this.settings.current.team;
    if (!url) {
      void vscode.window.showInformationMessage('Set sessionBuddy.team.url first (without the password).');
      return;
    }
    const { parseTeamServer } = await import('../core/team/connection');
    let server: { user: string; label: string };
    try {
      server = parseTeamServer(url);
    } catch (err) {
      void vscode.window.showErrorMessage(`Session Buddy: ${(err as Error).message}`);
      return;
    }
    const password = await vscode.window.showInputBox({ prompt: `Password of ${server.user} at ${server.label}`, password: true, ignoreFocusOut: true });
    if (password === undefined) return;
    await this.secrets.store(secretKey(server), password);
    void this.sync();
  }
}

function secretKey(server: { user: string; label: string }): string {
  return `sessionBuddy.team.password:${server.user}@${server.label}`;
}
