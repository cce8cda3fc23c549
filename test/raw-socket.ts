/** A raw TCP connection to a listener, for the connection-limit tests: resolves on connect; `closed` gives ms until the server closed it. */
import { connect, type Socket } from 'node:net';

export function openRaw(to: { host: string; port: number }): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const socket = connect({ host: to.host, port: to.port });
    socket.on('error', () => {});
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - t0)));
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}
