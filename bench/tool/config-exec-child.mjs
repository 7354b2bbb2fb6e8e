// The program the config-delivery workload runs under `lodestone exec`: on start it prints its pid,
// the wall-clock time it began running (ms since the epoch, sub-millisecond: timeOrigin + now), and
// the value of the variable named by its argument; then it stays up until exec stops it.
const at = performance.timeOrigin + performance.now();
const name = process.argv[2] ?? 'VALUE';
console.log(`start ${process.pid} ${at.toFixed(3)} ${process.env[name] ?? '<unset>'}`);
setInterval(() => undefined, 60_000);
