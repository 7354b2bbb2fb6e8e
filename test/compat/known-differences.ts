// Where Lodestone is known to answer differently from etcd 3.4. Each entry turns the test of that
// name, against Lodestone only, into an expected failure (it.fails): the test still states etcd's
// behaviour; once Lodestone is fixed the test passes, it.fails reports that, and the entry goes.
// Keys: "<suite> > <test name>"; the comparison tests are "<suite> > same: <test name>".
const TXN_INNER_HEADERS =
  'the header of each response inside a txn carries cluster_id, member_id and raft_term; etcd sets only revision there';

const BAD_INPUT: Readonly<Record<string, string>> = {
  'bad input > an empty key in a txn compare, of a txn that writes or only reads: \'etcdserver: key is not provided\'':
    'a read-only txn (compares with only ranges, or no ops) whose compare has an empty key succeeds; etcd answers INVALID_ARGUMENT "etcdserver: key is not provided" (a txn that writes gets the error)',
  'bad input > a txn with more than 128 compares, writing or not: \'etcdserver: too many operations in txn request\'':
    'a read-only txn with 129 compares succeeds; etcd answers INVALID_ARGUMENT "etcdserver: too many operations in txn request" (a txn that writes gets the error)',
  'bad input > a read-only txn with more than 128 ranges: \'etcdserver: too many operations in txn request\'':
    'a txn of 129 range ops succeeds; etcd answers INVALID_ARGUMENT "etcdserver: too many operations in txn request"',
  'bad input > a compare with a negative number is valid: every version and revision is greater than -1':
    'a txn that writes, with a compare against -1 (version, create or mod), fails with UNKNOWN "not a non-negative safe integer: -1"; etcd evaluates it (true) and commits',
  'bad input > a put with a lease never granted: NOT_FOUND \'etcdserver: requested lease not found\'':
    'a put with lease 1234567, never granted, is stored; etcd answers NOT_FOUND "etcdserver: requested lease not found"',
  'bad input > compaction at revision 0 of a store never compacted is accepted':
    'Compact at revision 0 on a store never compacted answers OUT_OF_RANGE "etcdserver: mvcc: required revision has been compacted"; etcd accepts it',
  'bad input > compaction at a negative revision: OUT_OF_RANGE \'etcdserver: mvcc: required revision has been compacted\'':
    'Compact at revision -5 answers UNKNOWN "not a non-negative safe integer: -5"; etcd answers OUT_OF_RANGE "etcdserver: mvcc: required revision has been compacted"',
};

export const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  ...BAD_INPUT,
  // The comparison of each of them differs the same way.
  ...Object.fromEntries(Object.entries(BAD_INPUT).map(([k, why]) => [k.replace('bad input > ', 'bad input > same: '), why])),
  'etcd3 client > txn: the header of each response inside carries only its revision': TXN_INNER_HEADERS,
  'etcd3 client > same: txn: the header of each response inside carries only its revision': TXN_INNER_HEADERS,
  'etcd3 client > same: if().then().else(): Value compares with ==, !=, > and <': TXN_INNER_HEADERS,
  'etcd3 client > same: if().then().else(): Version, Create and Mod compares with ==, !=, > and <': TXN_INNER_HEADERS,
  'etcd3 client > same: if().and(): every compare must hold; the branch responses come back in order': TXN_INNER_HEADERS,
  'etcdctl > txn -w json: each response in a branch has a header with only its revision': TXN_INNER_HEADERS,
  'etcdctl > same: txn -w json: each response in a branch has a header with only its revision': TXN_INNER_HEADERS,
  'etcdctl > endpoint status -w json gives each endpoint its status, the database size included':
    'Status answers dbSize 0 and dbSizeInUse 0 (left out of the JSON; "0 B" in the table); etcd reports the size of its database',
  'etcdctl > same: endpoint status -w json gives each endpoint its status, the database size included':
    'Status answers dbSize 0 and dbSizeInUse 0, so the JSON lacks both fields',
  'etcdctl > member list -w json: the header carries no revision':
    "MemberList's header carries a revision; etcd's cluster service sends cluster_id, member_id and raft_term only",
  'etcdctl > same: member list -w json: the header carries no revision':
    "MemberList's header carries a revision; etcd's does not",
};

export function knownDifference(suite: string, test: string): string | undefined {
  return KNOWN_DIFFERENCES[`${suite} > ${test}`];
}
