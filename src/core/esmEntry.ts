import module from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Starts one of our ES module bundles (the CLI, the store host) from its small CommonJS launcher,
 * with Node's compile cache where the runtime has one (Node ≥ 22.1; VS Code's too): a command run
 * many times a minute, or a host started on demand, then does not compile the same code again.
 * The bundles are split, so each run reads only the chunks it imports.
 */
export function startEsmEntry(...files: string[]): void {
  // Typed here: @types/node 20 does not know the function yet.
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  void importInOrder(files);
}

/**
 * Each file once the one before it has run, and its exported `ready` promise (if any) has settled:
 * the CLI's early start of the store host comes first.
 */
async function importInOrder(files: readonly string[]): Promise<void> {
  for (const file of files) {
    try {
      const loaded = (await import(pathToFileURL(file).href)) as { ready?: Promise<unknown> };
      await loaded.ready;
    } catch (err) {
      process.stderr.write(`session-buddy: cannot start ${file}: ${(err as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
  }
}
