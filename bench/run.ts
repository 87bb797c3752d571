import { durableBench } from './durable.bench.js';
import { graphBench } from './graph.bench.js';
import { natsBench } from './nats.bench.js';
import { poolBench } from './pool.bench.js';
import { stepBench } from './step.bench.js';

/** Every bench suite by name; `npm run bench -- <filter>` runs those whose name contains the filter. */
const suites: Record<string, () => void | Promise<void>> = {
  graph: graphBench,
  step: stepBench,
  pool: poolBench,
  durable: durableBench,
  nats: natsBench,
};

const filters = process.argv.slice(2);
const chosen = Object.keys(suites).filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)));
if (chosen.length === 0) {
  process.stderr.write(
    `switchyard bench: no suite matches ${filters.join(' ')}; suites are ${Object.keys(suites).join(', ')}.\n`,
  );
  process.exitCode = 2;
} else {
  for (const name of chosen) await suites[name]();
}
