// Runs the Raft simulator from the command line.
//   npm run sim -- --seeds 2000 --from 1   run a range of seeds, print failures and a summary
//   npm run sim -- --seed 42               replay one seed and print its trace
//   npm run sim -- --bug double-vote        run with a deliberately injected bug (see injected-bugs.ts)
import { parseArgs } from 'node:util';
import { INJECTED_BUGS } from './injected-bugs.js';
import { runSimulation, type SimResult } from './simulation.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string', default: '100' },
    from: { type: 'string', default: '1' },
    'fault-time': { type: 'string' },
    quiet: { type: 'boolean', default: false },
    bug: { type: 'string' },
  },
});

const faultTime = values['fault-time'] ? Number(values['fault-time']) : undefined;
const makeRaft = values.bug === undefined ? undefined : INJECTED_BUGS[values.bug];
if (values.bug !== undefined && !makeRaft) throw new Error(`unknown --bug; one of: ${Object.keys(INJECTED_BUGS).join(', ')}`);
const common = { ...(faultTime ? { faultTime } : {}), ...(makeRaft ? { makeRaft } : {}) };

if (values.seed !== undefined) {
  const r = await runSimulation({ seed: Number(values.seed), trace: true, ...common });
  for (const line of r.trace) console.log(line);
  console.log(JSON.stringify(r.stats));
  console.log(r.ok ? `seed ${r.seed}: ok` : `seed ${r.seed}: FAILED: ${r.error}`);
  process.exitCode = r.ok ? 0 : 1;
} else {
  const from = Number(values.from);
  const count = Number(values.seeds);
  const started = Date.now();
  const failures: SimResult[] = [];
  let recoveryMax = 0;
  let events = 0;
  for (let seed = from; seed < from + count; seed++) {
    const r = await runSimulation({ seed, ...common });
    events += r.stats.events;
    recoveryMax = Math.max(recoveryMax, r.stats.recoveryTicks);
    if (!r.ok) {
      failures.push(r);
      console.log(`seed ${seed}: FAILED: ${r.error}  (replay: npm run sim -- --seed ${seed})`);
    } else if (!values.quiet && (seed - from + 1) % 100 === 0) {
      console.log(`… ${seed - from + 1}/${count} seeds`);
    }
  }
  const secs = (Date.now() - started) / 1000;
  console.log(`${count - failures.length}/${count} seeds passed in ${secs.toFixed(1)} s (${events} events; slowest recovery ${recoveryMax} ticks)`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}
