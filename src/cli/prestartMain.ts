/**
 * dist/cli-prestart.mjs, which the launcher imports before the CLI's modules (hostPrestart.ts). The
 * launcher waits for `ready` (the host spawned, or found answering): while the CLI's modules load,
 * the event loop would not hear the probe of the socket until they all had.
 */
import { prestartStoreHost } from './hostPrestart';

export const ready = prestartStoreHost(process.argv.slice(2));
