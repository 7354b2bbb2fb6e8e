// memory: resident memory per member idle (right after start, before any load) and with --keys
// keys of --val-size random bytes loaded, and the disk its data dir takes per key. The largest
// member counts for memory (the one a machine must be sized for); disk is the members' average.
import { ensureKeysLoaded } from '../tool/loaded-keys.js';
import { diskBytes, rssMiB } from '../tool/member-resources.js';
import type { Row, Workload } from '../tool/workload.js';

export const memoryWorkload: Workload = {
  name: 'memory',
  needsOwnCluster: true,
  async prepare(system, ctx) {
    const cluster = system.cluster;
    if (!cluster) throw new Error('the memory workload measures member processes: it needs a cluster the tool starts (no --endpoints)');
    const keys = await ensureKeysLoaded(system, ctx);
    // Let flushes and compactions that follow a bulk load settle a little.
    await new Promise((r) => setTimeout(r, 2000));
    return {
      async round() {
        const rss = await Promise.all(cluster.members.map((m) => rssMiB(m.process.pid)));
        const disk = await Promise.all(cluster.members.map((m) => diskBytes(m.dataDir)));
        const rows: Row[] = [];
        if (system.idleRssMiB) rows.push({ key: 'rss-idle', label: 'resident memory per member, idle', headline: 'value', value: Math.max(...system.idleRssMiB), unit: 'MiB' });
        rows.push({ key: 'rss-loaded', label: `resident memory per member, ${keys.toLocaleString('en-US')} keys`, headline: 'value', value: Math.max(...rss), unit: 'MiB' });
        rows.push({ key: 'disk-per-key', label: `disk per key, ${keys.toLocaleString('en-US')} keys`, headline: 'value', value: disk.reduce((a, b) => a + b, 0) / disk.length / keys, unit: 'B' });
        return rows;
      },
      async close() {},
    };
  },
};
