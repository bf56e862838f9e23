/**
 * Fault-injecting proxies for tests, on 127.0.0.1 and a free port:
 * - `startHttpFaultProxy(upstream)`: forwards every HTTP request to `upstream` until `fail(status)`
 *   is called; from then on every request is answered with that status (and its headers) without
 *   reaching the upstream, until `heal()`. This is what a rate-limiting gateway or an overloaded
 *   load balancer in front of a target looks like to its client.
 * - `startTcpFaultProxy(host, port)`: forwards raw TCP (a database connection) until `cut()`, which
 *   drops every open connection and every new one until `heal()`: a database that went away.
 * Both count what they refused, so a test can prove the fault was really hit.
 */
import http from 'node:http';
import net from 'node:net';

export interface HttpFaultProxy {
  /** The proxy's base URL (http://127.0.0.1:PORT), to give the client instead of the upstream's. */
  readonly url: string;
  /** Requests answered with the injected status instead of being forwarded. */
  readonly refused: number;
  fail(status: number, headers?: Record<string, string>, body?: unknown): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startHttpFaultProxy(upstream: string): Promise<HttpFaultProxy> {
  const target = new URL(upstream);
  let fault: { status: number; headers: Record<string, string>; body: string } | undefined;
  let refused = 0;
  const server = http.createServer((req, res) => {
    if (fault) {
      refused++;
      // Drain the request first so the client sees an answer, not a reset.
      req.resume();
      req.on('end', () => {
        res.writeHead(fault!.status, { 'content-type': 'application/json', ...fault!.headers });
        res.end(fault!.body);
      });
      return;
    }
    const out = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get refused() {
      return refused;
    },
    fail(status, headers = {}, body = { message: `injected ${status}` }) {
      fault = { status, headers, body: JSON.stringify(body) };
    },
    heal() {
      fault = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TcpFaultProxy {
  readonly host: string;
  readonly port: number;
  /** Sockets dropped by `cut()` (client and upstream ends) plus connections refused while cut. */
  readonly dropped: number;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpFaultProxy(upstreamHost: string, upstreamPort: number): Promise<TcpFaultProxy> {
  let down = false;
  let dropped = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (down) {
      dropped++;
      client.destroy();
      return;
    }
    const up = net.connect(upstreamPort, upstreamHost);
    open.add(client);
    open.add(up);
    const end = () => {
      client.destroy();
      up.destroy();
      open.delete(client);
      open.delete(up);
    };
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    client.pipe(up);
    up.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    get dropped() {
      return dropped;
    },
    cut() {
      down = true;
      for (const s of open) {
        dropped++;
        s.destroy();
      }
      open.clear();
    },
    heal() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
