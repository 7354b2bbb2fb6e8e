// Asks a member's DNS, over UDP, which addresses a service answers with: the registry-scale
// workload polls it to time an instance leaving DNS on each member.
import { createSocket, type Socket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';

const QUERY_TIMEOUT_MS = 1000;
const EDNS_UDP_BYTES = 4096;

export class DnsPresence {
  private readonly pending = new Map<number, (reply: Buffer | undefined) => void>();
  private nextId = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (msg) => {
      if (msg.length < 2) return;
      const id = msg.readUInt16BE(0);
      const done = this.pending.get(id);
      this.pending.delete(id);
      done?.(msg);
    });
  }

  static async open(): Promise<DnsPresence> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new DnsPresence(socket);
  }

  /**
   * The IPv4 addresses `name` answers with on the DNS at 127.0.0.1:`port` (none for NXDOMAIN);
   * undefined when no reply came in time.
   */
  async addresses(port: number, name: string): Promise<Set<string> | undefined> {
    do this.nextId = (this.nextId + 1) & 0xffff;
    while (this.pending.has(this.nextId));
    const id = this.nextId;
    const query = dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name, type: 'A' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_BYTES, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    });
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(undefined);
      }, QUERY_TIMEOUT_MS);
      this.pending.set(id, (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      this.socket.send(query, port, '127.0.0.1', (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(undefined);
      });
    });
    if (!reply) return undefined;
    const decoded = dnsPacket.decode(reply);
    const found = new Set<string>();
    for (const a of decoded.answers ?? []) if (a.type === 'A') found.add(a.data);
    return found;
  }

  close(): void {
    this.socket.close();
  }
}
