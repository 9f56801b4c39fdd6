import { ChildProcess, spawn } from 'child_process';
import { existsSync } from 'fs';
import { join, resolve } from 'path';
import { freePort } from './openbao';

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

// Process groups still running; killed on exit even if a test crashed before `stop()`.
const running = new Set<number>();
let exitHookInstalled = false;
function killAll(): void {
  for (const pgid of running) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      done(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      done(true);
    };
    child.once('exit', onExit);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class PortInUse extends Error {}

async function startOnce(timeoutMs: number): Promise<MotoServer> {
  const binary = motoBinary();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // Hermetic: no AWS_* settings of the developer's shell reach the server.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^AWS_/.test(k)));
  const child = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not start ${binary}`);
  running.add(pgid);
  installExitHook();

  let output = '';
  const keep = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const stop = async (): Promise<void> => {
    if (!exited(child)) {
      try {
        process.kill(-pgid, 'SIGTERM');
      } catch {
        // already gone
      }
      if (!(await waitForExit(child, 3_000))) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // already gone
        }
        await waitForExit(child, 5_000);
      }
    }
    running.delete(pgid);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited(child)) {
      await stop();
      const message = `moto_server exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready. Its output:\n${output}`;
      throw /Address already in use/i.test(output) ? new PortInUse(message) : new Error(message);
    }
    try {
      // The dashboard route answers once the WSGI app is serving.
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not answer 200 on ${endpoint}/moto-api/ within ${timeoutMs} ms. Its output:\n${output}`);
    }
    await sleep(100);
  }

  const region = 'us-east-1';
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  return {
    endpoint,
    clientConfig: { endpoint, region, credentials },
    env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: region, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
    output: () => output,
    stop,
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
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(timeoutMs);
    } catch (e) {
      if (!(e instanceof PortInUse) || attempt >= 3) throw e;
    }
  }
}
