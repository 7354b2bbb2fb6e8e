// Jute, ZooKeeper's wire serialization: primitives, records, framing, op codes and error codes.
export * from './jute-errors.js';
export * from './jute-writer.js';
export * from './jute-reader.js';
export * from './data-records.js';
export * from './session-records.js';
export * from './node-records.js';
export * from './children-records.js';
export * from './acl-records.js';
export * from './watch-records.js';
export * from './multi-records.js';
export * from './opcodes.js';
export * from './error-codes.js';
export * from './frame.js';
export * from './request-codec.js';
export * from './reply-codec.js';
export * from './connect-codec.js';
