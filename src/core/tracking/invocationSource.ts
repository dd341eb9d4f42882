import type { InvocationSource } from '../store/events';

/** The session source of the sessions the OTLP receiver opens for an agent's conversations. */
export const AGENT_SESSION_SOURCE = 'agent';

/**
 * Who runs the invocations of a session, by the source the session was created with: the editor's
 * window sessions, the CLI's daily ones, pipelines, and agents (the receiver's sessions and the
 * agent tools over MCP, which an agent calls). Sessions of other kinds (imports) give no source.
 * migrations/V8__invocation_source__up.sql applies the same table to the rows recorded before it.
 */
const BY_SESSION_SOURCE: Readonly<Record<string, InvocationSource>> = {
  vscode: 'editor',
  cli: 'cli',
  crackerjack: 'cli',
  ci: 'ci',
  junit: 'ci',
  mcp: 'agent',
  [AGENT_SESSION_SOURCE]: 'agent',
};

export function sourceOfSession(sessionSource: string | null | undefined): InvocationSource | null {
  if (sessionSource === null || sessionSource === undefined) return null;
  return Object.hasOwn(BY_SESSION_SOURCE, sessionSource) ? BY_SESSION_SOURCE[sessionSource] : null;
}
