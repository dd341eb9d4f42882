/**
 * `session-buddy`: starts the CLI's modules (dist/cli-main.mjs and the chunks it loads as a command
 * needs them). Where the runtime keeps compiled code between runs (Node ≥ 22.1), it does so for
 * them: a command run by a script or an agent many times a minute then starts without compiling
 * the bundle again.
 */
import module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// Typed here: @types/node 20 does not know the function yet.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
void import(pathToFileURL(path.join(__dirname, 'cli-main.mjs')).href);
