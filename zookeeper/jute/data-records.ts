// The records of org.apache.zookeeper.data that travel to clients: Id, ACL and Stat.
import type { JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';

export interface Id {
  readonly scheme: string;
  readonly id: string;
}

export interface ACL {
  /** Bit set of Perms (READ 1, WRITE 2, CREATE 4, DELETE 8, ADMIN 16). */
  readonly perms: number;
  readonly id: Id;
}

export interface Stat {
  readonly czxid: bigint;
  readonly mzxid: bigint;
  /** Milliseconds since the epoch. */
  readonly ctime: bigint;
  readonly mtime: bigint;
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  /** The owning session's id for an ephemeral znode, else 0. */
  readonly ephemeralOwner: bigint;
  readonly dataLength: number;
  readonly numChildren: number;
  readonly pzxid: bigint;
}

export function encodeId(w: JuteWriter, rec: Id): void {
  w.ustring(rec.scheme).ustring(rec.id);
}

export function decodeId(r: JuteReader): Id {
  return { scheme: r.string('Id.scheme'), id: r.string('Id.id') };
}

export function encodeACL(w: JuteWriter, rec: ACL): void {
  w.int(rec.perms);
  encodeId(w, rec.id);
}

export function decodeACL(r: JuteReader): ACL {
  return { perms: r.int('ACL.perms'), id: decodeId(r) };
}

export function encodeACLList(w: JuteWriter, acl: readonly ACL[]): void {
  w.vector(acl, encodeACL);
}

export function decodeACLList(r: JuteReader): ACL[] {
  return r.list(decodeACL, 'vector<ACL>');
}

export function encodeStat(w: JuteWriter, rec: Stat): void {
  w.long(rec.czxid).long(rec.mzxid).long(rec.ctime).long(rec.mtime);
  w.int(rec.version).int(rec.cversion).int(rec.aversion);
  w.long(rec.ephemeralOwner);
  w.int(rec.dataLength).int(rec.numChildren);
  w.long(rec.pzxid);
}

export function decodeStat(r: JuteReader): Stat {
  return {
    czxid: r.long('Stat.czxid'),
    mzxid: r.long('Stat.mzxid'),
    ctime: r.long('Stat.ctime'),
    mtime: r.long('Stat.mtime'),
    version: r.int('Stat.version'),
    cversion: r.int('Stat.cversion'),
    aversion: r.int('Stat.aversion'),
    ephemeralOwner: r.long('Stat.ephemeralOwner'),
    dataLength: r.int('Stat.dataLength'),
    numChildren: r.int('Stat.numChildren'),
    pzxid: r.long('Stat.pzxid'),
  };
}
