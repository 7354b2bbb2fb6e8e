// Rewrites the `:authority` of HTTP/2 requests that Node's HTTP/2 server would refuse, leaving every
// other byte of the connection as it came.
//
// Why: etcd 3.4's Go client, asked for `--cluster`, dials each member's advertised client URL
// through grpc's passthrough resolver, so its requests carry `:authority: http://127.0.0.1:2379`.
// Go's server takes that; nghttp2 (under Node) checks the authority's characters, finds the '/',
// and resets the stream with PROTOCOL_ERROR before grpc-js sees it, and Node has no switch for that
// check. The server never uses :authority for anything, so the fix is to hand it one it accepts:
// the same value without its `scheme://` (and without any path after the host:port).
//
// How: the client's frames are parsed (after the 24-octet connection preface), buffered across
// chunk boundaries. Every frame goes on unchanged but a HEADERS frame with its CONTINUATION frames,
// which together carry one HPACK header block (RFC 7541). That block is walked representation by
// representation; a literal field named :authority (static index 1, or the literal name) whose
// value needs it gets its value re-encoded as a plain (non-Huffman) string, in the same kind of
// representation. When nothing in a block changes, its frames go on byte for byte.
//
// Why the server's HPACK dynamic table stays right: a literal "with incremental indexing" adds an
// entry on both sides; ours keeps its representation, so the server adds one entry wherever the
// client adds one, and the client's later indexed references (by position, newest first) name the
// same entry on both sides: the rewritten one, which is what the server should see again. Entries
// differ in size only where rewritten, and a rewritten value is never longer than the decoded
// original (a prefix and a tail are only removed), so the server's table holds no more octets than
// the client's: it evicts no sooner, and every entry the client still has, the server still has.
//
// Limits: a literal whose name is a dynamic-table reference, or a Huffman-coded literal name, is not
// recognised as :authority (encoders use static index 1 for it: Go's hpack, nghttp2); a value with
// a symbol the Huffman decoder does not know is left as it is (it is no valid authority anyway).
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { huffmanDecode } from './hpack-huffman.js';

const PREFACE_LENGTH = 24;
const FRAME_HEADER = 9;
const TYPE_HEADERS = 0x1;
const TYPE_SETTINGS = 0x4;
const TYPE_CONTINUATION = 0x9;
const FLAG_ACK = 0x1;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** SETTINGS_MAX_FRAME_SIZE's initial value: Node's server does not raise it. */
const MAX_FRAME_PAYLOAD = 16_384;
/** A header block larger than this (across its frames) is passed on without being looked into. */
const MAX_HEADER_BLOCK = 1 << 20;

/** An authority Node's server accepts for `value`, or undefined when `value` is fine as it is. */
export function fixAuthority(value: string): string | undefined {
  // nghttp2's check: unreserved, sub-delims, ':', '@', '[', ']', '%'. A '/' is what a URL brings.
  if (!value.includes('/')) return undefined;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(value);
  const rest = scheme ? value.slice(scheme[0].length) : value;
  const slash = rest.indexOf('/');
  return slash < 0 ? rest : rest.slice(0, slash);
}

/** An HPACK integer with an N-bit prefix (RFC 7541 §5.1): its value and where it ends, or undefined if cut. */
function readInteger(block: Uint8Array, at: number, prefixBits: number): { value: number; end: number } | undefined {
  if (at >= block.length) return undefined;
  const max = (1 << prefixBits) - 1;
  let value = block[at]! & max;
  let i = at + 1;
  if (value < max) return { value, end: i };
  let shift = 0;
  for (;;) {
    if (i >= block.length || shift > 28) return undefined;
    const b = block[i++]!;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return { value, end: i };
  }
}

interface StringLiteral {
  readonly huffman: boolean;
  readonly start: number;
  readonly end: number;
}

function readString(block: Uint8Array, at: number): StringLiteral | undefined {
  const length = readInteger(block, at, 7);
  if (length === undefined || length.end + length.value > block.length) return undefined;
  return { huffman: (block[at]! & 0x80) !== 0, start: length.end, end: length.end + length.value };
}

function encodeInteger(value: number, prefixBits: number, firstBits: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstBits | value];
  const out = [firstBits | max];
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

const AUTHORITY = Buffer.from(':authority', 'latin1');

/**
 * The header block with every :authority literal that needs it rewritten (see the file's comment),
 * or undefined when nothing changed (or the block could not be walked: it then goes on as it is,
 * for the server to judge).
 */
export function rewriteHeaderBlock(block: Uint8Array): Buffer | undefined {
  const parts: Uint8Array[] = [];
  let copiedTo = 0;
  let i = 0;
  while (i < block.length) {
    const first = block[i]!;
    if (first & 0x80) {
      // Indexed field.
      const index = readInteger(block, i, 7);
      if (index === undefined) return undefined;
      i = index.end;
      continue;
    }
    if ((first & 0xe0) === 0x20) {
      // Dynamic table size update.
      const size = readInteger(block, i, 5);
      if (size === undefined) return undefined;
      i = size.end;
      continue;
    }
    // A literal: with incremental indexing (01, 6-bit name index), without indexing (0000) or never
    // indexed (0001), both with a 4-bit name index.
    const prefixBits = (first & 0xc0) === 0x40 ? 6 : 4;
    const nameIndex = readInteger(block, i, prefixBits);
    if (nameIndex === undefined) return undefined;
    i = nameIndex.end;
    let isAuthority = nameIndex.value === 1;
    if (nameIndex.value === 0) {
      const name = readString(block, i);
      if (name === undefined) return undefined;
      isAuthority = !name.huffman && Buffer.compare(block.subarray(name.start, name.end), AUTHORITY) === 0;
      i = name.end;
    }
    const valueStart = i;
    const value = readString(block, i);
    if (value === undefined) return undefined;
    i = value.end;
    if (!isAuthority) continue;
    const octets = value.huffman ? huffmanDecode(block.subarray(value.start, value.end)) : block.subarray(value.start, value.end);
    if (octets === undefined) continue;
    const fixed = fixAuthority(Buffer.from(octets).toString('latin1'));
    if (fixed === undefined) continue;
    const replacement = Buffer.from(fixed, 'latin1');
    // Everything up to the value (representation, name) as it was; the value as a plain string.
    parts.push(block.subarray(copiedTo, valueStart), Buffer.from(encodeInteger(replacement.length, 7, 0x00)), replacement);
    copiedTo = i;
  }
  if (parts.length === 0) return undefined;
  parts.push(block.subarray(copiedTo));
  return Buffer.concat(parts);
}

function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const header = Buffer.alloc(FRAME_HEADER);
  header.writeUIntBE(length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return header;
}

/**
 * The client-to-server half of a connection, frame by frame: `feed` takes what came off the wire
 * and returns what should go on. Optionally drops the client's acknowledgement of one SETTINGS frame
 * the server side sent that the HTTP/2 server behind did not (see h2-admission.ts).
 */
export class H2AuthorityRewriter {
  private pending: Buffer = Buffer.alloc(0);
  private prefaceLeft = PREFACE_LENGTH;
  /** The HEADERS frame (and CONTINUATION frames) of a block not yet complete. */
  private blockFrames: Buffer[] = [];
  private blockSize = 0;
  private settingsAcksToDrop: number;
  /** Header blocks seen complete, and how many of them were rewritten. */
  headerBlocks = 0;
  rewrittenBlocks = 0;

  constructor(options: { dropSettingsAcks?: number } = {}) {
    this.settingsAcksToDrop = options.dropSettingsAcks ?? 0;
  }

  /** Whether the acknowledgements to drop have all come. */
  get settingsAcksDropped(): boolean {
    return this.settingsAcksToDrop === 0;
  }

  /**
   * Frames seen before the first header block other than SETTINGS, WINDOW_UPDATE and PRIORITY (a
   * PING, say). What follows a header block (its DATA, at once) does not count.
   */
  framesBeforeFirstBlock = 0;

  feed(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, data.length);
      out.push(data.subarray(0, n));
      this.prefaceLeft -= n;
      data = data.subarray(n);
    }
    let at = 0;
    // Runs of frames passed on as they are go out as one slice.
    let runStart = 0;
    while (data.length - at >= FRAME_HEADER) {
      const length = data.readUIntBE(at, 3);
      const end = at + FRAME_HEADER + length;
      if (end > data.length) break;
      const type = data[at + 3]!;
      const flags = data[at + 4]!;
      const inBlock = this.blockFrames.length > 0;
      if (type === TYPE_HEADERS || (type === TYPE_CONTINUATION && inBlock)) {
        if (at > runStart) out.push(data.subarray(runStart, at));
        const frame = data.subarray(at, end);
        this.blockFrames.push(frame);
        this.blockSize += length;
        if (flags & FLAG_END_HEADERS) out.push(...this.finishBlock());
        else if (this.blockSize > MAX_HEADER_BLOCK) {
          // Not worth holding: let the server deal with it as it is.
          out.push(...this.blockFrames);
          this.blockFrames = [];
          this.blockSize = 0;
        }
        runStart = end;
      } else if (type === TYPE_SETTINGS && flags & FLAG_ACK && this.settingsAcksToDrop > 0) {
        if (at > runStart) out.push(data.subarray(runStart, at));
        this.settingsAcksToDrop--;
        runStart = end;
      } else {
        if (this.headerBlocks === 0 && !inBlock && type !== TYPE_SETTINGS && type !== 0x8 && type !== 0x2) this.framesBeforeFirstBlock++;
        if (inBlock) {
          // Anything but CONTINUATION inside a header block is the client's error: pass it all on.
          out.push(...this.blockFrames);
          this.blockFrames = [];
          this.blockSize = 0;
        }
      }
      at = end;
    }
    if (at > runStart) out.push(data.subarray(runStart, at));
    // Copied: `data` may be a slice of a buffer Node reuses.
    this.pending = at < data.length ? Buffer.from(data.subarray(at)) : Buffer.alloc(0);
    return out;
  }

  /** What has come but is not a whole frame yet. */
  unparsed(): Buffer {
    return this.pending;
  }

  private finishBlock(): Buffer[] {
    const frames = this.blockFrames;
    this.blockFrames = [];
    this.blockSize = 0;
    this.headerBlocks++;
    const first = frames[0]!;
    const flags = first[4]!;
    const streamId = first.readUInt32BE(5) & 0x7fffffff;
    let payload = first.subarray(FRAME_HEADER);
    let padLength = 0;
    if (flags & FLAG_PADDED) {
      if (payload.length < 1) return frames;
      padLength = payload[0]!;
      payload = payload.subarray(1);
    }
    const priority = flags & FLAG_PRIORITY ? payload.subarray(0, 5) : Buffer.alloc(0);
    if (priority.length < (flags & FLAG_PRIORITY ? 5 : 0) || payload.length - priority.length < padLength) return frames;
    const fragments = [payload.subarray(priority.length, payload.length - padLength), ...frames.slice(1).map((f) => f.subarray(FRAME_HEADER))];
    const block = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
    const rewritten = rewriteHeaderBlock(block);
    if (rewritten === undefined) return frames;
    this.rewrittenBlocks++;
    // Padding is dropped (it is optional, and HEADERS are not flow-controlled). The rewritten block
    // is never longer than the client's own plus what a Huffman-coded value saved, yet may pass the
    // frame size: the rest then goes in CONTINUATION frames.
    const out: Buffer[] = [];
    const firstRoom = MAX_FRAME_PAYLOAD - priority.length;
    const head = rewritten.subarray(0, firstRoom);
    const keptFlags = (flags & (FLAG_END_STREAM | FLAG_PRIORITY)) | (rewritten.length <= firstRoom ? FLAG_END_HEADERS : 0);
    out.push(frameHeader(priority.length + head.length, TYPE_HEADERS, keptFlags, streamId), priority, head);
    for (let at = head.length; at < rewritten.length; at += MAX_FRAME_PAYLOAD) {
      const piece = rewritten.subarray(at, at + MAX_FRAME_PAYLOAD);
      const last = at + MAX_FRAME_PAYLOAD >= rewritten.length;
      out.push(frameHeader(piece.length, TYPE_CONTINUATION, last ? FLAG_END_HEADERS : 0, streamId), piece);
    }
    return out;
  }
}

/**
 * A connection as the HTTP/2 server should see it: what the client sends, through the rewriter;
 * what the server sends, to the client as it is. Node runs a stream that is not a native socket
 * through JavaScript on every read and write (its JSStreamSocket): it costs, so only connections
 * that need it get one (h2-admission.ts).
 */
export class H2AuthorityFilter extends Duplex {
  private readonly onData = (chunk: Buffer): void => {
    let more = true;
    for (const piece of this.rewriter.feed(chunk)) more = this.push(piece) && more;
    if (!more) this.socket.pause();
  };

  constructor(
    private readonly socket: Socket,
    private readonly rewriter: H2AuthorityRewriter,
    already: readonly Buffer[] = [],
  ) {
    super({ allowHalfOpen: false });
    for (const piece of already) this.push(piece);
    socket.on('data', this.onData);
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    // Not passed on as an error: nothing above listens for one (the listeners swallow a socket's
    // errors, a client that resets its connection being no fault of the member's); the close is enough.
    socket.on('error', () => this.destroy());
    socket.resume();
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    if (chunks.length === 1) this.socket.write(chunks[0]!.chunk, callback);
    else this.socket.write(Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.off('data', this.onData);
    this.socket.destroy();
    callback(error);
  }

  // What the HTTP/2 session asks of its socket.
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.socket.localPort;
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay);
    return this;
  }
  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms, callback);
    return this;
  }
}
