/**
 * `session-buddy` (dist/cli.js): starts the store host if the command will ask it and none answers
 * (hostPrestart.ts), then the CLI's modules, dist/cli-main.mjs and the chunks a command imports. The
 * host is started from here, plain CommonJS, because loading even a few ES modules first cost 30 ms.
 */
import path from 'node:path';
import { startEsmEntry } from '../core/esmEntry';
import { prestartStoreHost } from './hostPrestart';

void prestartStoreHost(process.argv.slice(2)).finally(() => startEsmEntry(path.join(__dirname, 'cli-main.mjs')));
