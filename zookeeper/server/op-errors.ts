// The ZooKeeper error codes the server answers with itself (the tree's own come as ZkTreeError).
export const ZK_CODE = {
  ok: 0,
  systemError: -1,
  runtimeInconsistency: -2,
  marshallingError: -5,
  unimplemented: -6,
  operationTimeout: -7,
  badArguments: -8,
  noNode: -101,
  authFailed: -115,
  sessionExpired: -112,
  noWatcher: -121,
} as const;

export class ZooKeeperOpError extends Error {
  override readonly name = 'ZooKeeperOpError';

  constructor(readonly code: number) {
    super(`ZooKeeper error ${code}`);
  }
}
