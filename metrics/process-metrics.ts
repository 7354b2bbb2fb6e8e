// prom-client's process_* and nodejs_* figures. They describe the process — its CPU, memory, event
// loop, garbage collector — which every member in it shares, so one set is made per process and
// each member's /metrics shows it beside that member's own: per-member collectors would only
// repeat the same numbers and leave a GC observer and an event-loop monitor behind per member.
import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

export function processRegistry(): Registry {
  if (shared === undefined) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
