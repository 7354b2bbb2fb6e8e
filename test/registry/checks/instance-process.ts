// The test instance (fixtures/http-instance.mjs) as a process that a test kills and starts again on
// the same port.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, LOOPBACK } from '../../support/free-ports.js';
import { ServerProcess } from '../../support/server-process.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'http-instance.mjs');

export class InstanceProcess {
  private constructor(
    readonly port: number,
    private readonly process: ServerProcess,
  ) {}

  static async start(): Promise<InstanceProcess> {
    const [port] = await freePorts(1);
    const instance = new InstanceProcess(port!, new ServerProcess({ name: 'instance', command: process.execPath, args: [SCRIPT, String(port)] }));
    await instance.start();
    return instance;
  }

  get healthUrl(): string {
    return `http://${LOOPBACK}:${this.port}/health`;
  }

  get address(): string {
    return `${LOOPBACK}:${this.port}`;
  }

  async start(): Promise<void> {
    this.process.start();
    await this.process.waitForLine(/^listening /, { timeoutMs: 10_000 });
  }

  async kill(): Promise<void> {
    await this.process.kill('SIGKILL');
  }

  /** What /health answers from now on. */
  async answer(code: number): Promise<void> {
    const res = await fetch(`http://${LOOPBACK}:${this.port}/set/${code}`);
    await res.text();
  }

  /** When (ms since the epoch) it answered its last health requests, and with which code. */
  async hits(): Promise<{ readonly at: number; readonly code: number }[]> {
    const res = await fetch(`http://${LOOPBACK}:${this.port}/hits`);
    return ((await res.json()) as [number, number][]).map(([at, code]) => ({ at, code }));
  }

  /** How many health requests it served since it started. */
  async count(): Promise<number> {
    const res = await fetch(`http://${LOOPBACK}:${this.port}/count`);
    return Number(await res.text());
  }
}
