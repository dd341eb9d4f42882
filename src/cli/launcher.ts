/** `session-buddy` (dist/cli.js): starts the CLI's modules, dist/cli-main.mjs and the chunks a command imports. */
import path from 'node:path';
import { startEsmEntry } from '../core/esmEntry';

startEsmEntry(path.join(__dirname, 'cli-main.mjs'));
