// A grpc-js server on a free loopback port, for tests that talk to services over a real
// connection. The port is chosen by the OS (port 0), never assumed free.

import { Server, ServerCredentials } from '@grpc/grpc-js';

export interface RunningServer {
  /** "127.0.0.1:port", as grpc-js clients take it. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startGrpcServer(register: (server: Server) => void): Promise<RunningServer> {
  const server = new Server();
  register(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Calls still open (a client's stream) are cut rather than waited for.
        server.tryShutdown(() => resolve());
        setImmediate(() => server.forceShutdown());
      }),
  };
}
