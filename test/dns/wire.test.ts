// The wire rules of the DNS interface on their own, with a fixed answer: header handling, EDNS0
// sizes, truncation with TC, and what is dropped.
import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { recordBytes } from '../../dns/record-bytes.js';
import type { EncodedAnswer } from '../../dns/responder.js';
import { respond } from '../../dns/wire.js';

/** Twenty A records of about 40 bytes each: 800 bytes of answers. */
function twentyAddresses(): EncodedAnswer {
  const groups = Array.from({ length: 20 }, (_, i) => {
    const answer = recordBytes({ type: 'A', name: 'web.service.lodestone', ttl: 0, class: 'IN', data: `10.0.0.${i + 1}` });
    return { answer, extras: [], bytes: answer.length, weight: 1 };
  });
  return { rcode: 'NOERROR', groups, authorities: [] };
}

/** dns-packet decodes the rcode and opcode too; its types leave them out. */
const header = (b: Buffer | undefined): { readonly rcode: string; readonly opcode: string } => dnsPacket.decode(b!) as unknown as { rcode: string; opcode: string };

const query = (edns?: number, id = 99): Buffer =>
  dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name: 'web.service.lodestone', type: 'A' }],
    ...(edns !== undefined ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] } : {}),
  });

describe('DNS messages on the wire', () => {
  it('fits a UDP reply in 512 bytes without EDNS0, setting TC, and sends it whole over TCP', () => {
    const udp = respond(query(), 'udp', twentyAddresses)!;
    expect(udp.length).toBeLessThanOrEqual(512);
    const decoded = dnsPacket.decode(udp);
    expect(decoded.flag_tc).toBe(true);
    expect(decoded.answers!.length).toBeGreaterThan(5);
    expect(decoded.answers!.length).toBeLessThan(20);
    const tcp = dnsPacket.decode(respond(query(), 'tcp', twentyAddresses)!);
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(20);
  });

  it("uses the EDNS0 size the query offers, and answers with an OPT of its own", () => {
    const reply = dnsPacket.decode(respond(query(1232), 'udp', twentyAddresses)!);
    expect(reply.flag_tc).toBe(false);
    expect(reply.answers).toHaveLength(20);
    expect(reply.additionals).toEqual([expect.objectContaining({ type: 'OPT', udpPayloadSize: 4096 })]);
    // An offer under 512 bytes still gets 512.
    expect(respond(query(100), 'udp', twentyAddresses)!.length).toBeGreaterThan(400);
  });

  it('echoes the id and RD, sets QR and AA, and says NOERROR', () => {
    const reply = dnsPacket.decode(respond(query(undefined, 4242), 'tcp', twentyAddresses)!);
    expect(reply).toMatchObject({ id: 4242, flag_qr: true, flag_aa: true, flag_rd: true, flag_ra: false, rcode: 'NOERROR' });
    expect(reply.questions).toEqual([{ name: 'web.service.lodestone', type: 'A', class: 'IN' }]);
  });

  it('drops what is too short for a header, and responses', () => {
    expect(respond(Buffer.from([1, 2, 3]), 'udp', twentyAddresses)).toBeUndefined();
    const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'x.lodestone', type: 'A' }] });
    expect(respond(response, 'udp', twentyAddresses)).toBeUndefined();
  });

  it('answers FORMERR to an unreadable body or two questions, NOTIMP to other opcodes', () => {
    const rcodeOf = (b: Buffer | undefined): string => header(b).rcode;
    expect(rcodeOf(respond(Buffer.from([0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63]), 'udp', twentyAddresses))).toBe('FORMERR');
    const two = dnsPacket.encode({ type: 'query', id: 2, questions: [{ name: 'a.lodestone', type: 'A' }, { name: 'b.lodestone', type: 'A' }] });
    expect(rcodeOf(respond(two, 'udp', twentyAddresses))).toBe('FORMERR');
    const notify = query();
    notify.writeUInt16BE(notify.readUInt16BE(2) | (4 << 11), 2);
    expect(header(respond(notify, 'udp', twentyAddresses))).toMatchObject({ rcode: 'NOTIMP', opcode: 'NOTIFY' });
  });
});
