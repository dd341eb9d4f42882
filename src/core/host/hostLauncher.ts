/** dist/store-host.js, what clients start: the store host's modules, dist/store-host-main.mjs and the chunks it imports. */
import path from 'node:path';
import { startEsmEntry } from '../esmEntry';

startEsmEntry(path.join(__dirname, 'store-host-main.mjs'));
