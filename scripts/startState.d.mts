// Types of scripts/startState.mjs for the TypeScript tests (test/integration/startState.test.ts).
export const DEMO_FIXTURE: string;
export function startHome(env?: Record<string, string | undefined>, platform?: NodeJS.Platform, clone?: string): string;
export interface StatePaths {
  workspace: string;
  demoStore: string;
  emptyStore: string;
  userData: string;
  extensions: string;
  xdgConfig: string;
  xdgData: string;
}
export function statePaths(state: string): StatePaths;
export function ensureOwnRepository(workspace: string): 'created' | 'no-git';
export function userChanges(workspace: string, fixture?: string): { added: string[]; changed: string[] };
export function prepareWorkspace(state: string, options?: { reset?: boolean; say?: (line: string) => void; fixture?: string }): { workspace: string; created: boolean; repository: 'created' | 'kept' | 'no-git' };
export function recordedRuns(cli: string, dbPath: string): number;
export function prepareStore(state: string, options: { empty?: boolean; reset?: boolean; cli: string; seed: (dbPath: string) => void; say?: (line: string) => void }): { dbPath: string; note: string };
export function writeSettingsOnce(userData: string, settings: Record<string, unknown>): boolean;
