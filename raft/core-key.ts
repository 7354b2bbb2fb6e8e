// The key under which a RawNode keeps its Raft. Only raft/ and its test door (raft/testing.ts) import
// it: everything else sees the core through RawNode's methods and read-only status views.
export const CORE: unique symbol = Symbol('raft core');
