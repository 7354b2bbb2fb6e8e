// The one error Jute decoding raises: input that is truncated, has an impossible length, or
// carries bytes a record does not account for.
export class JuteDecodeError extends Error {
  override readonly name = 'JuteDecodeError';
  readonly code = 'JUTE_DECODE';

  constructor(
    message: string,
    /**
     * The request's header when it was whole and the record after it was not: ZooKeeper answers
     * that with MarshallingError on the header's xid and keeps the session.
     */
    readonly request?: { readonly xid: number; readonly type: number },
  ) {
    super(message);
  }
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
