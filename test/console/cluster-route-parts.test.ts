// The pieces /ui/api/cluster reads other members' answers with: a few samples out of Prometheus'
// text format, and a gateway failure turned into the console's own error with the member's message.
import { describe, expect, it } from 'vitest';
import { metricValues } from '../../http/console/prometheus-text.js';
import { gatewayBody } from '../../http/console/gateway-answer.js';
import { ConsoleHttpError } from '../../http/console/console-error.js';

describe('metricValues', () => {
  it('reads plain samples, sums labelled series, and skips comments, other metrics and non-numbers', () => {
    const text = [
      '# HELP etcd_server_leader_changes_seen_total The number of leader changes seen.',
      '# TYPE etcd_server_leader_changes_seen_total counter',
      'etcd_server_leader_changes_seen_total 3',
      'etcd_debugging_mvcc_watcher_total 7',
      'etcd_debugging_mvcc_watcher_total_other 100',
      'grpc_server_started_total{grpc_method="Range",grpc_type="unary"} 5',
      'grpc_server_started_total{grpc_method="Put",grpc_type="unary"} 2',
      'etcd_debugging_mvcc_keys_total NaN',
      '',
    ].join('\n');
    expect(metricValues(text, ['etcd_server_leader_changes_seen_total', 'etcd_debugging_mvcc_watcher_total', 'grpc_server_started_total', 'etcd_debugging_mvcc_keys_total', 'absent'])).toEqual({
      etcd_server_leader_changes_seen_total: 3,
      etcd_debugging_mvcc_watcher_total: 7,
      grpc_server_started_total: 7,
    });
  });
});

describe('gatewayBody', () => {
  const failure = (status: number, body: unknown): ConsoleHttpError => {
    try {
      gatewayBody('http://m:2379', { status, text: JSON.stringify(body) });
    } catch (e) {
      return e as ConsoleHttpError;
    }
    throw new Error('no failure');
  };

  it('gives the body of a success', () => {
    expect(gatewayBody('http://m:2379', { status: 200, text: '{"header":{"revision":"3"}}' })).toEqual({ header: { revision: '3' } });
  });

  it("keeps the member's message: auth refusals as 401/403, anything else as the member failing", () => {
    expect([failure(401, { error: 'etcdserver: invalid auth token', code: 16, message: 'etcdserver: invalid auth token' })].map((e) => [e.status, e.code, e.message])).toEqual([
      [401, 'CONSOLE_UNAUTHENTICATED', 'etcdserver: invalid auth token'],
    ]);
    const denied = failure(500, { error: 'auth: permission denied', code: 2, message: 'auth: permission denied' });
    expect([denied.status, denied.code]).toEqual([403, 'CONSOLE_PERMISSION_DENIED']);
    const notLeader = failure(503, { code: 9, message: 'etcdserver: not leader' });
    expect([notLeader.status, notLeader.code, notLeader.message]).toEqual([503, 'CONSOLE_UNAVAILABLE', 'http://m:2379: etcdserver: not leader']);
  });
});
