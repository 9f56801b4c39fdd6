import { ChildProcess, spawn } from 'child_process';
import { createServer } from 'net';

/**
 * A local server process for the tests (OpenBao, moto): started in its own
 * process group, watched until ready, stopped with its whole group, and killed
 * on exit even when a test crashes before stopping it.
 */
export interface ServerProcess {
  /** Everything the server printed so far (for error messages). */
  output(): string;
  /** Stops the whole process group and waits until it has exited. */
  stop(): Promise<void>;
}

/** How to start one server. */
export interface ServerSpec {
  /** Name in error messages, e.g. `OpenBao`. */
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Resolves true once the server serves. */
  ready(): Promise<boolean>;
  /** What the server prints when its port was taken after {@link freePort} chose it. */
  readonly portInUse: RegExp;
  /** @default 20000 */
  readonly timeoutMs?: number;
  /** Runs after the process has exited (e.g. removes a config directory). */
  readonly cleanup?: () => void;
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

/** GET `url` and say whether it answered 200 within a second. */
export async function answers200(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
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

/** The server exited because its port was taken: worth another try on another port. */
export class PortInUse extends Error {}

/**
 * Starts a server and waits until `spec.ready()`.
 *
 * @throws PortInUse when the port was taken; Error with the server's output otherwise
 */
export async function startServerProcess(spec: ServerSpec): Promise<ServerProcess> {
  // detached: the server leads its own process group, so stop() can kill the group.
  const child = spawn(spec.binary, [...spec.args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: spec.env });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not start ${spec.binary}`);
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
    spec.cleanup?.();
  };

  const timeoutMs = spec.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited(child)) {
      await stop();
      const message = `${spec.name} exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready. Its output:\n${output}`;
      throw spec.portInUse.test(output) ? new PortInUse(message) : new Error(message);
    }
    if (await spec.ready()) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${spec.name} was not ready within ${timeoutMs} ms. Its output:\n${output}`);
    }
    await sleep(100);
  }
  return { output: () => output, stop };
}

/** Calls `start` again (on a fresh port) while the port it chose was taken, up to three times. */
export async function withPortRetries<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (!(e instanceof PortInUse) || attempt >= 3) throw e;
    }
  }
}
