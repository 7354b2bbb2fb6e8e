// Wall time, and the CPU time the whole process (LevelDB's threads included) spent meanwhile: on a
// busy machine the second says more about the cost than the first.
export class Stopwatch {
  private readonly wall = performance.now();
  private readonly cpu = process.cpuUsage();

  get seconds(): number {
    return (performance.now() - this.wall) / 1000;
  }

  toString(): string {
    const cpu = process.cpuUsage(this.cpu);
    return `${this.seconds.toFixed(2)} s (cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s)`;
  }
}
