import { ensureSession } from '../integrations/sessions';
import type { Store } from '../store/storeInterface';
import { SkillTracker } from '../tracking/tracker';
import type { ToolContext } from './tool';

/**
 * The session agent-tracked invocations go into, created when the first one is recorded: one per
 * MCP server process (a conversation), or a fixed id such as the CLI's daily session.
 */
export class ToolSession {
  private id: Promise<string> | undefined;
  private known: string | undefined;
  private created = false;

  constructor(private readonly store: Store, private readonly userId: string, private readonly options: { source: string; sessionId?: string }) {}

  get(): Promise<string> {
    this.id ??= this.open().then(
      (id) => (this.known = id),
      (err: unknown) => {
        this.id = undefined;
        throw err;
      },
    );
    return this.id;
  }

  /** The session if it was opened already; never opens one. */
  peek(): string | undefined {
    return this.known;
  }

  /** Ends a session this object created (a fixed, shared id is left open for its other users). */
  async end(): Promise<void> {
    if (!this.id || !this.created || this.options.sessionId !== undefined) return;
    const id = await this.id;
    await new SkillTracker(this.store, this.userId).endSession(id);
  }

  private async open(): Promise<string> {
    const tracker = new SkillTracker(this.store, this.userId);
    this.created = true;
    if (this.options.sessionId !== undefined) return ensureSession(this.store, tracker, this.options.sessionId, this.options.source);
    return tracker.createSession({ source: this.options.source });
  }
}

/** The tools' context outside the editor (MCP, CLI): writes are allowed whenever the store takes them. */
export function toolContext(store: Store, userId: string, session: ToolSession): ToolContext {
  return {
    store,
    userId,
    recorder: new SkillTracker(store, userId),
    knowSession: async () => undefined,
    session: () => session.get(),
    existingSession: () => session.peek(),
    mayWrite: () => store.readOnlyReason === undefined,
  };
}
