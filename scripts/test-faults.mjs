// `npm run test:faults -- [--rounds N] [--seed S] [--parallel P]`: the long fault-injection suite
// (test/faults/): N rounds (default 2000), each a writer process with one fault injected at one write
// point of the store; prints the table and writes test-results/faults/summary.json.
import { ensureDependencies, run } from './lib.mjs';

ensureDependencies();
run(process.execPath, ['--import', 'tsx', 'test/faults/run.ts', ...process.argv.slice(2)]);
