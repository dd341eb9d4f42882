import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens, rejecting on the error that stops it (EADDRINUSE…); later errors go to `onError`. */
export async function listenHttp(server: http.Server, port: number, host: string, onError: (err: Error) => void): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    const onStartError = (err: Error) => reject(err);
    server.once('error', onStartError);
    server.listen(port, host, () => {
      server.off('error', onStartError);
      resolve();
    });
  });
  server.on('error', onError);
  return server.address() as AddressInfo;
}

/** `http://host:port` of a listening server, with an IPv6 host in brackets. */
export function httpOrigin(server: http.Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Stops listening and drops open connections (keep-alive clients would hold close() forever). */
export async function closeHttp(server: http.Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
