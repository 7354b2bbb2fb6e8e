// Our etcd API definitions against the ones the etcd3 npm client ships: every message, enum and
// service the client knows must exist in ours with the same field numbers, types, labels and
// oneofs, the same enum values and the same RPC signatures — that is what makes the bytes and the
// gRPC paths the same.

import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { allDefinitions, loadEtcd3ClientRoot, loadOurRoot } from './proto-roots.js';

const ours = loadOurRoot();
const theirs = loadEtcd3ClientRoot();
const theirDefinitions = allDefinitions(theirs);
const ourDefinitions = allDefinitions(ours);

/** A field as it shows on the wire and in generated code; types by their full name. */
function describeField(field: protobuf.Field): Record<string, unknown> {
  return {
    name: field.name,
    id: field.id,
    type: field.resolvedType ? field.resolvedType.fullName : field.type,
    repeated: field.repeated,
    packed: field.packed,
    map: field.map,
    oneof: field.partOf?.name ?? null,
  };
}

/** etcd3 renamed enum values to PascalCase (NOT_EQUAL -> NotEqual); the numbers are what travel. */
function normaliseEnumName(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

describe('our etcd API definitions, compared with the etcd3 client’s', () => {
  it.each(theirDefinitions.types.map((type) => [type.fullName, type] as const))(
    'message %s has the same fields',
    (fullName, theirType) => {
      const ourType = ours.lookupType(fullName);
      for (const theirField of theirType.fieldsArray) {
        const ourField = ourType.fields[theirField.name];
        expect(ourField, `${fullName}.${theirField.name}`).toBeDefined();
        expect(describeField(ourField!)).toEqual(describeField(theirField));
      }
      const ourIds = ourType.fieldsArray.map((field) => field.id);
      expect(new Set(ourIds).size).toBe(ourIds.length);
    },
  );

  it('adds only the fields etcd 3.5 has and the client’s copy lacks', () => {
    const extras = ourDefinitions.types.flatMap((ourType) => {
      const theirType = theirs.lookup(ourType.fullName);
      if (!(theirType instanceof protobuf.Type)) return [];
      return ourType.fieldsArray
        .filter((field) => theirType.fields[field.name] === undefined)
        .map((field) => `${ourType.fullName}.${field.name} = ${field.id}`);
    });
    expect(extras.sort()).toEqual([
      '.etcdserverpb.AuthUserAddRequest.hashedPassword = 4',
      '.etcdserverpb.AuthUserChangePasswordRequest.hashedPassword = 3',
    ]);
  });

  it('defines every message of mvccpb, authpb and etcdserverpb that the client defines, and no other', () => {
    const names = (types: protobuf.Type[]) =>
      types
        .map((type) => type.fullName)
        .filter((name) => !name.startsWith('.v3'))
        .sort();
    expect(names(ourDefinitions.types)).toEqual(names(theirDefinitions.types));
  });

  it.each(theirDefinitions.enums.map((enumeration) => [enumeration.fullName, enumeration] as const))(
    'enum %s has the same values',
    (fullName, theirEnum) => {
      const ourEnum = ours.lookupEnum(fullName);
      const byNumber = (enumeration: protobuf.Enum) =>
        Object.entries(enumeration.values)
          .map(([name, value]) => [value, normaliseEnumName(name)] as const)
          .sort(([a], [b]) => a - b);
      expect(byNumber(ourEnum)).toEqual(byNumber(theirEnum));
    },
  );

  it.each(theirDefinitions.services.map((service) => [service.fullName, service] as const))(
    'service %s has the same RPCs',
    (fullName, theirService) => {
      const signature = (service: protobuf.Service) =>
        service.methodsArray
          .map((method) => ({
            name: method.name,
            request: method.resolvedRequestType?.fullName,
            response: method.resolvedResponseType?.fullName,
            requestStream: Boolean(method.requestStream),
            responseStream: Boolean(method.responseStream),
          }))
          .sort((a, b) => a.name.localeCompare(b.name));
      expect(signature(ours.lookupService(fullName))).toEqual(signature(theirService));
    },
  );

  it('defines the Lock and Election services with etcd’s RPCs', () => {
    const rpcs = (name: string) =>
      ours
        .lookupService(name)
        .methodsArray.map((method) => [
          method.name,
          method.resolvedRequestType?.name,
          method.resolvedResponseType?.name,
          method.responseStream ? 'stream' : 'unary',
        ]);
    expect(rpcs('v3lockpb.Lock')).toEqual([
      ['Lock', 'LockRequest', 'LockResponse', 'unary'],
      ['Unlock', 'UnlockRequest', 'UnlockResponse', 'unary'],
    ]);
    expect(rpcs('v3electionpb.Election')).toEqual([
      ['Campaign', 'CampaignRequest', 'CampaignResponse', 'unary'],
      ['Proclaim', 'ProclaimRequest', 'ProclaimResponse', 'unary'],
      ['Leader', 'LeaderRequest', 'LeaderResponse', 'unary'],
      ['Observe', 'LeaderRequest', 'LeaderResponse', 'stream'],
      ['Resign', 'ResignRequest', 'ResignResponse', 'unary'],
    ]);
  });

  // The etcd3 client ships no v3lock/v3election definitions; these are etcd's, field by field.
  it.each([
    ['v3lockpb.LockRequest', 'name:1:bytes lease:2:int64'],
    ['v3lockpb.LockResponse', 'header:1:ResponseHeader key:2:bytes'],
    ['v3lockpb.UnlockRequest', 'key:1:bytes'],
    ['v3lockpb.UnlockResponse', 'header:1:ResponseHeader'],
    ['v3electionpb.CampaignRequest', 'name:1:bytes lease:2:int64 value:3:bytes'],
    ['v3electionpb.CampaignResponse', 'header:1:ResponseHeader leader:2:LeaderKey'],
    ['v3electionpb.LeaderKey', 'name:1:bytes key:2:bytes rev:3:int64 lease:4:int64'],
    ['v3electionpb.LeaderRequest', 'name:1:bytes'],
    ['v3electionpb.LeaderResponse', 'header:1:ResponseHeader kv:2:KeyValue'],
    ['v3electionpb.ResignRequest', 'leader:1:LeaderKey'],
    ['v3electionpb.ResignResponse', 'header:1:ResponseHeader'],
    ['v3electionpb.ProclaimRequest', 'leader:1:LeaderKey value:2:bytes'],
    ['v3electionpb.ProclaimResponse', 'header:1:ResponseHeader'],
  ])('message %s has etcd’s fields', (fullName, fields) => {
    const described = ours
      .lookupType(fullName)
      .fieldsArray.map((field) => `${field.name}:${field.id}:${field.resolvedType?.name ?? field.type}`);
    expect(described.join(' ')).toBe(fields);
  });
});
