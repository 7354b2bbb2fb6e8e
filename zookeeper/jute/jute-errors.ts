// The one error Jute decoding raises: input that is truncated, has an impossible length, or
// carries bytes a record does not account for. The server answers it by closing the connection,
// as ZooKeeper does on a malformed packet.
export class JuteDecodeError extends Error {
  override readonly name = 'JuteDecodeError';
  readonly code = 'JUTE_DECODE';
}

/** A frame whose announced length is negative or above the limit (ZooKeeper's jute.maxbuffer). */
export class JuteFrameTooLargeError extends Error {
  override readonly name = 'JuteFrameTooLargeError';
  readonly code = 'JUTE_FRAME_TOO_LARGE';
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`frame length ${length} is outside 0..${limit}`);
  }
}
