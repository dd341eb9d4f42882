// npm run test:faults -- [--rounds N] [--seed S] [--parallel P] [--engine sqljs|file|recorder]: the long fault
// suite, on sql.js's store, the file-backed one, or runs recorded without the store and applied by the
// file-backed one (the store host's path). Prints the
// table (fault point x fault kind) and writes test-results/faults/summary.json; exits 1 when any
// round lost, duplicated or leaked data or left the store unopenable.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable, runFaultSuite } from './harness';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2000' }, seed: { type: 'string' }, parallel: { type: 'string', default: '2' }, engine: { type: 'string', default: 'sqljs' } } });
  const engine = values.engine;
  if (engine !== 'sqljs' && engine !== 'file' && engine !== 'recorder') throw new Error('--engine is sqljs, file or recorder');
  const rounds = Number(values.rounds);
  const parallel = Number(values.parallel);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive whole number');
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error('--parallel must be a positive whole number');
  const result = await runFaultSuite({
    rounds,
    parallel,
    engine,
    seed: values.seed === undefined ? undefined : Number(values.seed),
    onRound: (done, total) => {
      if (done % 50 === 0 || done === total) process.stderr.write(`fault rounds: ${done}/${total}\n`);
    },
  });
  console.log(formatTable(result));
  console.log(`\n${result.engine} engine, ${result.rounds} rounds, seed ${result.seed}, ${Math.round(result.durationMs / 1000)} s`);
  for (const violation of result.violations) console.log(`VIOLATION ${violation}`);
  const out = path.join(__dirname, '..', '..', 'test-results', 'faults');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, engine === 'sqljs' ? 'summary.json' : `summary-${engine}.json`), `${JSON.stringify({ measured_at: new Date().toISOString(), ...result }, null, 2)}\n`);
  console.log(`written ${path.join(out, engine === 'sqljs' ? 'summary.json' : `summary-${engine}.json`)}`);
  if (result.violations.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
