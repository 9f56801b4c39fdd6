import { existsSync } from 'fs';
import { join, resolve } from 'path';
import { answers200, freePort, startServerProcess, withPortRetries } from './server-process';

/** A running moto server, started by {@link startMoto}. */
export interface MotoServer {
  /** Base URL, e.g. `http://127.0.0.1:41235`: the `endpoint` (or `AWS_ENDPOINT_URL`) of every SDK client. */
  readonly endpoint: string;
  /** Region and static credentials moto accepts; pass them to every client. */
  readonly clientConfig: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /** The environment a function needs to reach this server through the default credential chain. */
  readonly env: Readonly<Record<string, string>>;
  /** Everything the server printed so far (for error messages). */
  output(): string;
  /** Stops the server's whole process group and waits until it has exited. */
  stop(): Promise<void>;
}

const ROOT = resolve(__dirname, '..', '..');

/**
 * `.venv/bin/moto_server`: a console script run by the venv's Python itself
 * (not a wrapper that spawns a child), so killing its process group stops it.
 *
 * @throws when it is missing, saying how to install it
 */
export function motoBinary(root = ROOT): string {
  const bin = join(root, '.venv', 'bin', 'moto_server');
  if (!existsSync(bin)) throw new Error(`moto_server is missing (looked for ${bin}): run node scripts/setup-tools.js`);
  return bin;
}

async function startOnce(timeoutMs: number): Promise<MotoServer> {
  const binary = motoBinary();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // Hermetic: no AWS_* settings of the developer's shell reach the server.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^AWS_/.test(k)));
  const server = await startServerProcess({
    name: 'moto_server',
    binary,
    args: ['-H', '127.0.0.1', '-p', String(port)],
    env,
    timeoutMs,
    portInUse: /Address already in use/i,
    // The dashboard route answers once the WSGI app is serving.
    ready: () => answers200(`${endpoint}/moto-api/`),
  });

  const region = 'us-east-1';
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  return {
    endpoint,
    clientConfig: { endpoint, region, credentials },
    env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: region, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
    output: server.output,
    stop: server.stop,
  };
}

/**
 * Starts `moto_server` on a free loopback port and waits until it serves.
 * In-memory: every server starts empty. Call `stop()` when done; a
 * `process.on('exit')` hook kills any server left running.
 *
 * @param timeoutMs how long to wait for it to serve @default 20000
 */
export async function startMoto(timeoutMs = 20_000): Promise<MotoServer> {
  return withPortRetries(() => startOnce(timeoutMs));
}
