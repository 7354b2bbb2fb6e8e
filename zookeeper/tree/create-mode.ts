// What each CreateMode means for the stored znode, and the ephemeralOwner ZooKeeper shows for it.
import type { ZNodeKind } from '../layout.js';
import { ZkTreeError } from './errors.js';
import type { CreateMode } from './types.js';

export interface ModeTraits {
  readonly kind: ZNodeKind;
  readonly sequential: boolean;
}

const TRAITS: Readonly<Record<CreateMode, ModeTraits>> = {
  persistent: { kind: 'persistent', sequential: false },
  persistent_sequential: { kind: 'persistent', sequential: true },
  ephemeral: { kind: 'ephemeral', sequential: false },
  ephemeral_sequential: { kind: 'ephemeral', sequential: true },
  container: { kind: 'container', sequential: false },
  persistent_with_ttl: { kind: 'ttl', sequential: false },
  persistent_sequential_with_ttl: { kind: 'ttl', sequential: true },
};

export function modeTraits(mode: CreateMode): ModeTraits {
  const traits = TRAITS[mode] as ModeTraits | undefined;
  if (traits === undefined) throw new ZkTreeError('BadArguments');
  return traits;
}

/** EphemeralType.TTL's largest value: 40 bits. */
export const MAX_TTL_MS = 0xff_ffff_ffff;

/** EphemeralType.validateTTL: a TTL mode needs 0 < ttl ≤ MAX_TTL_MS; other modes take none. */
export function validateTtl(path: string, traits: ModeTraits, ttlMs: number | undefined): void {
  if (traits.kind === 'ttl') {
    if (ttlMs === undefined || !Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > MAX_TTL_MS) {
      throw new ZkTreeError('BadArguments', path);
    }
  } else if (ttlMs !== undefined && ttlMs >= 0) {
    throw new ZkTreeError('BadArguments', path);
  }
}

/** EphemeralType.CONTAINER_EPHEMERAL_OWNER: Long.MIN_VALUE. */
export const CONTAINER_EPHEMERAL_OWNER = -(1n << 63n);

/**
 * The ephemeralOwner a stat shows, as ZooKeeper encodes it: the session for an ephemeral,
 * Long.MIN_VALUE for a container, 0xFF00…|ttl for a TTL znode, 0 for a persistent one.
 */
export function ephemeralOwnerOf(kind: ZNodeKind, lease: bigint, ttlMs: number | undefined): bigint {
  switch (kind) {
    case 'ephemeral':
      return lease;
    case 'container':
      return CONTAINER_EPHEMERAL_OWNER;
    case 'ttl':
      return BigInt.asIntN(64, 0xff00_0000_0000_0000n | BigInt(ttlMs ?? 0));
    case 'persistent':
      return 0n;
  }
}
