/**
 * `session-buddy` (dist/cli.js): starts the store host if the command will ask it and none answers
 * (dist/cli-prestart.mjs, see hostPrestart.ts), then the CLI's modules, dist/cli-main.mjs and the
 * chunks a command imports.
 */
import path from 'node:path';
import { startEsmEntry } from '../core/esmEntry';

startEsmEntry(path.join(__dirname, 'cli-prestart.mjs'), path.join(__dirname, 'cli-main.mjs'));
