import module from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Starts one of our ES module bundles (the CLI, the store host) from its small CommonJS launcher,
 * with Node's compile cache where the runtime has one (Node ≥ 22.1; VS Code's too): a command run
 * many times a minute, or a host started on demand, then does not compile the same code again.
 * The bundles are split, so each run reads only the chunks it imports.
 */
export function startEsmEntry(file: string): void {
  // Typed here: @types/node 20 does not know the function yet.
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  import(pathToFileURL(file).href).catch((err: Error) => {
    process.stderr.write(`session-buddy: cannot start ${file}: ${err.message}\n`);
    process.exitCode = 1;
  });
}
