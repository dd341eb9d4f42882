import type * as vscode from 'vscode';
import { Disposable, toDisposable, type IDisposable } from './lifecycle';
import type { StoreHost } from './storeHost';
import { throttle } from './throttle';

/** What every page shows before its data: the three states both protocols share. */
export type PageState<Ready> = { status: 'loading' } | { status: 'error'; message: string } | Ready;

/** How often a visible page is refreshed at most when the store or the window's context changes. */
const REFRESH_MS = 1000;

/**
 * The host side of a webview (the Recommendations view, the dashboard panel): the page asks for
 * data with a `ready` message, so nothing is posted before it listens; after that it gets a state
 * whenever the store changes (this window, another window, the CLI), at most once a second and only
 * while it is visible; loading while the store opens, an error state when it cannot. Subclasses
 * parse the page's messages (in webview/protocol.ts) and compute the ready state.
 */
export abstract class WebviewHost<Ready extends { status: 'ready' }, FromPage extends { type: string }> extends Disposable {
  private page: { webview: vscode.Webview; visible(): boolean } | undefined;
  private ready = false;
  private failure: string | undefined;
  protected readonly refresh = this.register(throttle(() => void this.update(), REFRESH_MS));

  constructor(
    protected readonly host: StoreHost,
    protected readonly log: vscode.LogOutputChannel,
    /** For the log and the error state: "dashboard", "Could not read the dashboard data". */
    private readonly words: { page: string; failure: string },
  ) {
    super();
    void host.window.then(
      (window) => {
        this.register(window.onDidChange(() => this.refresh()));
        this.refresh();
      },
      (err: Error) => {
        this.failure = `The database could not be opened: ${err.message}`;
        void this.update();
      },
    );
  }

  /** Connects a page (a view resolved, a panel created); disposing the result disconnects it. */
  protected attach(webview: vscode.Webview, visible: () => boolean): IDisposable {
    const page = { webview, visible };
    this.page = page;
    this.ready = false;
    const messages = webview.onDidReceiveMessage((raw: unknown) => this.receiveRaw(raw));
    return this.register(toDisposable(() => {
      messages.dispose();
      if (this.page !== page) return;
      this.page = undefined;
      this.ready = false;
    }));
  }

  protected get attached(): boolean {
    return this.page !== undefined;
  }

  /** Parses a message from the page; undefined for anything malformed. */
  protected abstract parse(raw: unknown): FromPage | undefined;

  /** Handles a message other than `ready`. */
  protected abstract receive(message: Exclude<FromPage, { type: 'ready' }>): void;

  /** The page's data, computed once the window's data is open. */
  protected abstract compute(): Promise<Ready>;

  /** Computes and posts the page's state now (when the page is visible and listening). */
  async update(): Promise<void> {
    if (!this.page?.visible() || !this.ready) return;
    if (this.failure) return this.post({ status: 'error', message: this.failure });
    if (!this.host.currentWindow) return this.post({ status: 'loading' });
    try {
      this.post(await this.compute());
    } catch (err) {
      const message = `${this.words.failure}: ${(err as Error).message}`;
      this.log.error(message);
      this.post({ status: 'error', message });
    }
  }

  private post(state: PageState<Ready>): void {
    if (!this.page || !this.ready) return;
    void this.page.webview.postMessage({ type: 'state', state });
  }

  private receiveRaw(raw: unknown): void {
    const message = this.parse(raw);
    if (!message) {
      this.log.warn(`Ignored a malformed message from the ${this.words.page}`);
      return;
    }
    if (message.type === 'ready') {
      this.ready = true;
      void this.update();
    } else {
      this.receive(message as Exclude<FromPage, { type: 'ready' }>);
    }
  }
}
