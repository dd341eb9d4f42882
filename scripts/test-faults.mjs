// `npm run test:faults -- [--rounds N] [--seed S] [--parallel P] [--engine file]`: the long fault-injection suite
// (test/faults/): N rounds (default 2000), each a writer process with one fault injected at one write
// point of the store; prints the table and writes test-results/faults/summary.json.
import { ensureDependencies, nodeWithSqlite, run } from './lib.mjs';

ensureDependencies();
const args = process.argv.slice(2);
// The file-backed store (also what applies the recorder's runs) needs node:sqlite: Node 22 from the npm
// registry when the system's is older.
const fileBacked = ['file', 'recorder'].some((name) => args.includes(name) || args.includes(`--engine=${name}`));
run(fileBacked ? nodeWithSqlite() : process.execPath, ['--import', 'tsx', 'test/faults/run.ts', ...args]);
