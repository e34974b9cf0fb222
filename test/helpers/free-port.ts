import { createServer, type AddressInfo } from 'node:net';

/**
 * A TCP port nobody listens on right now, for a spawned Slate whose PUBLIC_URL names its port
 * (PORT=0 cannot be written into a URL beforehand). Several worktrees run these tests on one
 * machine: fixed ports collide.
 */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}
