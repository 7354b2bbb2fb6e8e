// Where Lodestone is known to answer differently from etcd 3.4. Each entry turns the test of that
// name, against Lodestone only, into an expected failure (it.fails): the test still states etcd's
// behaviour; once Lodestone is fixed the test passes, it.fails reports that, and the entry goes.
// Keys: "<suite> > <test name>"; the comparison tests are "<suite> > same: <test name>".
const TXN_INNER_HEADERS =
  'the header of each response inside a txn carries cluster_id, member_id and raft_term; etcd sets only revision there';

export const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
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
