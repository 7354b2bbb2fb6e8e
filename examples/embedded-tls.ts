// A node serving etcd's API over TLS with client certificates required, and auth turned on through
// the client API: a client then needs the CA, its certificate and a user's password. The files are
// those `npm run cluster -- --tls` makes; any CA's will do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, isEtcdError, openNode } from 'lodestone';

const dir = process.env.LODESTONE_TLS_DIR ?? 'data/cluster-tls/tls';
const file = (name: string) => join(dir, name);

const node = await openNode(
  { inMemory: true },
  {
    serve: { clientUrls: ['https://127.0.0.1:0'] },
    // etcd's --cert-file, --key-file, --trusted-ca-file and --client-cert-auth.
    tls: { certFile: file('infra1.pem'), keyFile: file('infra1-key.pem'), trustedCaFile: file('ca.pem'), clientCertAuth: true },
    authTokenTtl: 600, // seconds a login lasts unused (etcd's --auth-token-ttl)
  },
);
const tls = { ca: readFileSync(file('ca.pem')), cert: readFileSync(file('client.pem')), key: readFileSync(file('client-key.pem')) };

// Users, a role and its permission, then auth on: etcd wants a root user with the root role first.
const admin = await connect({ endpoints: node.clientUrls, tls });
await admin.auth.userAdd('root', 'rootpw');
await admin.auth.userGrantRole('root', 'root');
await admin.auth.roleAdd('app');
await admin.auth.roleGrantPermission('app', 'readwrite', { prefix: 'app/' });
await admin.auth.userAdd('svc', 'svcpw');
await admin.auth.userGrantRole('svc', 'app');
await admin.auth.authEnable();
await admin.close();

const svc = await connect({ endpoints: node.clientUrls, tls, auth: { username: 'svc', password: 'svcpw' } });
await svc.put('app/greeting', 'hello over TLS');
console.log((await svc.get('app/greeting'))?.valueString); // hello over TLS
try {
  await svc.put('config/other', 'x'); // outside app/
} catch (e) {
  if (isEtcdError(e, 'ETCD_PERMISSION_DENIED')) console.log(e.code);
  else throw e;
}
await svc.close();
await node.close();
