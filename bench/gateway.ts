/**
 * `npm run bench:gateway [-- --seconds 5] [--warmup 1]`: the gateway's
 * overhead per call against calling the local upstream directly, at 1, 10
 * and 100 concurrent callers, with every cache warm; p50, p99 and requests a
 * second with the gateway and the upstream on one core; and, apart, the rate
 * limiter's store round trip (DynamoDB on moto). See bench/README.md.
 *
 * Three processes: this one (the parent, which prints), a server child
 * (`--server`: the upstream and the gateway in one node process, pinned to one
 * core with taskset when it exists) and a client child (`--client`: the load
 * generator, pinned to another core when there is one). Not a timed test: it
 * prints, it does not fail.
 */
import { DynamoDBClient, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import { Agent as HttpAgent, createServer, IncomingMessage, request, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { monitorEventLoopDelay } from 'perf_hooks';
import { availableParallelism, loadavg } from 'os';
import { Authenticator, gatewayKeyHash } from '../functions/gateway/authenticate';
import { memorySink } from '../functions/gateway/call-log';
import { CredentialSource, Credentials } from '../functions/gateway/credentials';
import { DEFAULT_LIMITS, Gateway } from '../functions/gateway/handler';
import { serveGateway } from '../functions/gateway/http-server';
import { leaseSize, RateLimiter } from '../functions/gateway/rate-limit';
import { RevocationCheck } from '../functions/gateway/revocation';
import { dynamoStore, GatewayStore, memoryStore } from '../functions/gateway/store';
import { VaultReader } from '../functions/gateway/vault-session';
import { GATEWAY_ITEMS, GatewayAgentConfig } from '../model/gateway';

const AGENT = 'bench-agent';
const API = 'bench';
const UPSTREAM_TOKEN = 'bench-upstream-token';
const CONCURRENCY = [1, 10, 100] as const;
const TARGETS = { p50OverheadMs: 2, p99OverheadMs: 10, rps: 2000 };
/** The open-loop series: 100 callers sending 2,000 requests a second between them, the target's rate. */
const PACED = { callers: 100, rps: 2000 };

/** Ports the server child listens on. */
interface ServerPorts {
  readonly upstream: number;
  readonly gateway: number;
  /** Answers `GET /stats` with the server process's CPU time (µs) and its event loop's delays since the last call (ms). */
  readonly control: number;
  readonly key: string;
}

/** One series of the client: one concurrency, direct or through the gateway. */
interface Series {
  readonly callers: number;
  /** Open loop: the rate all callers together send at (each on its own schedule); absent for the closed loop. */
  readonly pacedRps?: number;
  readonly via: 'direct' | 'gateway';
  readonly requests: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU time of the server process (gateway and upstream) per request, microseconds. */
  readonly serverCpuUsPerRequest: number;
  /** Share of one core the server process used during the series. */
  readonly serverCpuShare: number;
  /** Share of one core the client process used during the series. */
  readonly clientCpuShare: number;
  /** The server's event-loop delay during the series (perf_hooks, 1 ms resolution): p99 and max, ms. */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** Cores' worth of CPU every other process of the machine used during the series (from /proc/stat); NaN when unknown. */
  readonly otherCpuCores: number;
}

const hrMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const log = (t: string): void => void process.stderr.write(`${t}\n`);
const f = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : '-');

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

// ---------------------------------------------------------------------------------------------
// The server child: a provider-like upstream and the gateway in front of it, in one process.

/** The upstream: checks the injected bearer token and answers a small JSON body, like a provider's GET. */
function upstreamServer(): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if (req.headers.authorization !== `Bearer ${UPSTREAM_TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"unauthorized"}');
      return;
    }
    const id = (req.url ?? '').split('?')[0].split('/').pop() ?? '';
    const body = JSON.stringify({
      id,
      object: 'item',
      name: `Item ${id}`,
      status: 'active',
      owner: 'team-bench@example.com',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-02T00:00:00.000Z',
      tags: ['alpha', 'beta', 'gamma'],
      url: `https://api.example.com/v1/items/${id}`,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  // Longer than any pause between series: no connection of the gateway's pool closes under it.
  server.keepAliveTimeout = 60_000;
  return server;
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

async function serverChild(): Promise<void> {
  process.setSourceMapsEnabled(false);
  const upstream = upstreamServer();
  const upstreamPort = await listen(upstream);
  const key = `sag_bench_${randomBytes(16).toString('hex')}`;
  // Not annotated: an object literal typed as GatewayApi would refuse a field the model has not got (yet), or miss one it has.
  const api = {
    baseUrl: `http://127.0.0.1:${upstreamPort}`,
    placement: { type: 'bearer' as const },
    credential: { secret: 'bench', store: 'vault' as const, location: `kv/data/agents/${AGENT}/bench`, field: 'token', rotator: 'manual' as const },
    endpoints: ['GET /v1/items/*'],
    scopes: { 'bench.items.read': ['GET /v1/items/*'] },
  };
  const config: GatewayAgentConfig = { agent: AGENT, auth: 'gateway-key', maxCallsPerMinute: 100_000_000, apis: { [API]: api } };
  const store = memoryStore([config], { [gatewayKeyHash(key)]: { agent: AGENT } });
  // Vault in memory: no revocation marker (404), as KV v2 answers for an agent never revoked.
  const vault: VaultReader = { read: async () => ({ status: 404, body: {} }) };
  const source: CredentialSource = { read: async () => ({ token: UPSTREAM_TOKEN }) };
  const sink = memorySink();
  const gateway = new Gateway({
    fleet: 'bench',
    store,
    authenticator: new Authenticator(store, 'http://127.0.0.1:1', fetch),
    revocation: new RevocationCheck(vault, 'kv'),
    credentials: new Credentials(source, fetch),
    limiter: new RateLimiter(store),
    sink,
    limits: DEFAULT_LIMITS,
    log: { info() {}, warn() {}, error() {} },
  });
  // "Delivering" the lines empties the in-memory sink, so that it does not grow over the run.
  const served = await serveGateway(gateway, {
    flush: async () => {
      sink.lines.length = 0;
    },
  });
  // How late the server's event loop ran its callbacks: a blocked loop (GC, JIT, a long callback) delays every call in it.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const control = createServer((_req, res) => {
    const { user, system } = process.cpuUsage();
    const stats: ServerStats = { cpuUs: user + system, loopDelayP99Ms: loopDelay.percentile(99) / 1e6, loopDelayMaxMs: loopDelay.max / 1e6 };
    loopDelay.reset();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(stats));
  });
  const controlPort = await listen(control);
  const ports: ServerPorts = { upstream: upstreamPort, gateway: Number(new URL(served.url).port), control: controlPort, key };
  process.stdout.write(`${JSON.stringify(ports)}\n`);
  // The parent ends stdin when it is done (or dies): then stop.
  process.stdin.resume();
  process.stdin.on('end', () => {
    void served.close().finally(() => {
      upstream.close();
      control.close();
      process.exit(0);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The client child: closed loops of C callers, back to back, then one paced series; direct and through the gateway.

function get(agent: HttpAgent, port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'GET', path, headers, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** What the server child's control port answers. */
interface ServerStats {
  readonly cpuUs: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

async function serverStats(port: number): Promise<ServerStats> {
  const agent = new HttpAgent({ keepAlive: false });
  const body = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/stats', agent }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return JSON.parse(body) as ServerStats;
}

/** The machine's busy CPU time so far, seconds (all cores, from /proc/stat); NaN when not on Linux. */
function machineBusySeconds(): number {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal …: busy is all but idle and iowait (and the guest fields, counted in user).
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return NaN;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One series. Closed loop: each caller sends its next request as soon as the
 * last is answered. Paced (open loop): caller i of C sends every C / rate
 * seconds, offset by i / rate, whatever the answers take.
 */
async function runSeries(ports: ServerPorts, via: Series['via'], callers: number, warmupMs: number, measureMs: number, pacedRps?: number): Promise<Series> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: callers });
  const port = via === 'direct' ? ports.upstream : ports.gateway;
  const headers: Record<string, string> = via === 'direct' ? { authorization: `Bearer ${UPSTREAM_TOKEN}` } : { 'x-scoped-agents-key': ports.key };
  const prefix = via === 'direct' ? '/v1/items/' : `/${API}/v1/items/`;
  let n = 0;
  const periodMs = pacedRps === undefined ? 0 : (callers * 1000) / pacedRps;
  const loop = async (caller: number, until: number, record?: { latencies: number[]; statuses: Record<string, number> }): Promise<void> => {
    let next = hrMs() + (caller * periodMs) / callers;
    while (hrMs() < until) {
      if (pacedRps !== undefined) {
        if (next >= until) break;
        const wait = next - hrMs();
        if (wait > 0) await sleep(wait);
        next += periodMs;
      }
      const path = `${prefix}${n++ % 1000}`;
      const t0 = process.hrtime.bigint();
      let status: string;
      try {
        status = String(await get(agent, port, path, headers));
      } catch (e) {
        status = (e as NodeJS.ErrnoException).code ?? 'error';
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (record) {
        record.latencies.push(ms);
        record.statuses[status] = (record.statuses[status] ?? 0) + 1;
      }
    }
  };
  // Warm-up: connections opened, caches filled, the JIT past its first tiers.
  const warmEnd = hrMs() + warmupMs;
  await Promise.all(Array.from({ length: callers }, (_, i) => loop(i, warmEnd)));

  const record = { latencies: [] as number[], statuses: {} as Record<string, number> };
  const stats0 = await serverStats(ports.control);
  const cpu0 = stats0.cpuUs;
  const client0 = process.cpuUsage();
  const machine0 = machineBusySeconds();
  const start = hrMs();
  const end = start + measureMs;
  await Promise.all(Array.from({ length: callers }, (_, i) => loop(i, end, record)));
  const stop = hrMs();
  const clientUsage = process.cpuUsage(client0);
  const machine1 = machineBusySeconds();
  const stats1 = await serverStats(ports.control);
  const cpu1 = stats1.cpuUs;
  agent.destroy();

  const sorted = Float64Array.from(record.latencies).sort();
  const seconds = (stop - start) / 1000;
  const requests = sorted.length;
  const errors = requests - (record.statuses['200'] ?? 0);
  return {
    callers,
    ...(pacedRps !== undefined ? { pacedRps } : {}),
    via,
    requests,
    errors,
    statuses: record.statuses,
    seconds,
    rps: requests / seconds,
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
    serverCpuUsPerRequest: (cpu1 - cpu0) / Math.max(1, requests),
    serverCpuShare: (cpu1 - cpu0) / 1000 / (stop - start),
    clientCpuShare: (clientUsage.user + clientUsage.system) / 1000 / (stop - start),
    loopDelayP99Ms: stats1.loopDelayP99Ms,
    loopDelayMaxMs: stats1.loopDelayMaxMs,
    otherCpuCores: Math.max(0, (machine1 - machine0) * 1000 - (cpu1 - cpu0) / 1000 - (clientUsage.user + clientUsage.system) / 1000) / (stop - start),
  };
}

async function clientChild(ports: ServerPorts, warmupMs: number, measureMs: number): Promise<void> {
  process.setSourceMapsEnabled(false);
  const series: Series[] = [];
  for (const callers of CONCURRENCY) {
    for (const via of ['direct', 'gateway'] as const) {
      const s = await runSeries(ports, via, callers, warmupMs, measureMs);
      log(`  ${callers} callers, ${via}: ${s.requests} requests, ${f(s.rps, 0)} req/s, p50 ${f(s.p50Ms, 3)} ms, p99 ${f(s.p99Ms, 3)} ms`);
      series.push(s);
    }
  }
  for (const via of ['direct', 'gateway'] as const) {
    const s = await runSeries(ports, via, PACED.callers, warmupMs, measureMs, PACED.rps);
    log(`  ${PACED.callers} callers paced at ${PACED.rps} req/s, ${via}: ${s.requests} requests, p50 ${f(s.p50Ms, 3)} ms, p99 ${f(s.p99Ms, 3)} ms`);
    series.push(s);
  }
  process.stdout.write(`BENCH ${JSON.stringify(series)}\n`);
}

// ---------------------------------------------------------------------------------------------
// The rate limiter's store: DynamoDB's conditional update on moto, and how often the limiter asks.

/** The store, counting the calls the limiter makes of it. */
function counting(store: GatewayStore): { store: GatewayStore; counts: { addCalls: number; calls: number } } {
  const counts = { addCalls: 0, calls: 0 };
  return {
    counts,
    store: {
      agentConfig: (agent) => store.agentConfig(agent),
      gatewayKey: (hash) => store.gatewayKey(hash),
      addCalls: (agent, minute, n, max) => {
        counts.addCalls++;
        return store.addCalls(agent, minute, n, max);
      },
      calls: (agent, minute) => {
        counts.calls++;
        return store.calls(agent, minute);
      },
    },
  };
}

/** 1,000 takes at 1,000 calls a minute, then two more, within one fixed minute. */
async function leaseCounts(store: GatewayStore, agent: string): Promise<{ allowed: number; storeCalls: string; refused: string; ms: number }> {
  const { store: counted, counts } = counting(store);
  const minuteStart = Math.floor(Date.now() / 60_000) * 60_000;
  const limiter = new RateLimiter(counted, () => minuteStart + 1_000);
  let allowed = 0;
  const t0 = hrMs();
  for (let i = 0; i < 1000; i++) if ((await limiter.take(agent, 1000)).allowed) allowed++;
  const ms = hrMs() - t0;
  const storeCalls = `${counts.addCalls} addCalls + ${counts.calls} calls`;
  const delta = (from: { addCalls: number; calls: number }): string => `${counts.addCalls - from.addCalls} addCalls + ${counts.calls - from.calls} calls`;
  const before = { ...counts };
  const extra = await limiter.take(agent, 1000);
  const afterExtra = delta(before);
  const mid = { ...counts };
  const again = await limiter.take(agent, 1000);
  const refused =
    `call 1,001: ${extra.allowed ? 'allowed' : 'refused'} (${afterExtra}); ` + `call 1,002: ${again.allowed ? 'allowed' : 'refused'} (${delta(mid)})`;
  return { allowed, storeCalls, refused, ms };
}

async function storeRoundTrip(out: string[]): Promise<void> {
  out.push('');
  out.push("The rate limiter's store (separately from the table above):");
  const mem = await leaseCounts(memoryStore([]), 'lease-agent');
  out.push(
    `  RateLimiter.take × 1,000 at maxCallsPerMinute 1000 (leaseSize(1000) = ${leaseSize(1000)}), in-memory store: ` +
      `${mem.allowed} allowed, ${mem.storeCalls}; ${mem.refused}`,
  );

  let moto: Awaited<ReturnType<typeof import('../test/support/moto').startMoto>> | undefined;
  try {
    const { startMoto } = require('../test/support/moto') as typeof import('../test/support/moto');
    log('  starting moto…');
    moto = await startMoto();
  } catch (e) {
    out.push(`  DynamoDB round trip: skipped — moto could not be started: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    return;
  }
  try {
    const dynamodb = new DynamoDBClient(moto.clientConfig);
    const table = 'bench-gateway';
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: GATEWAY_ITEMS.key, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: GATEWAY_ITEMS.key, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const store = dynamoStore(dynamodb, table);
    const minute = Math.floor(Date.now() / 60_000);
    // Warm-up: the client's connection, the SDK's first-call work.
    for (let i = 0; i < 20; i++) await store.addCalls('warm-agent', minute, 10, 1_000_000_000);
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = process.hrtime.bigint();
      await store.addCalls(AGENT, minute, 10, 1_000_000_000);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const sorted = Float64Array.from(times).sort();
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    out.push(
      `  dynamoStore.addCalls on moto, 200 sequential conditional UpdateItem calls: p50 ${f(percentile(sorted, 0.5))} ms, ` +
        `p99 ${f(percentile(sorted, 0.99))} ms, mean ${f(mean)} ms`,
    );
    const dyn = await leaseCounts(store, 'lease-agent');
    out.push(
      `  RateLimiter.take × 1,000 at maxCallsPerMinute 1000 over dynamoStore on moto: ${dyn.allowed} allowed, ${dyn.storeCalls}, ` +
        `${f(dyn.ms, 0)} ms in all (${f(dyn.ms / 1000, 3)} ms a take on average); ${dyn.refused}`,
    );
    out.push("  moto is a local emulator (Python, on this machine): its latency is not DynamoDB's, which is single-digit ms in-region.");
    dynamodb.destroy();
  } catch (e) {
    out.push(`  DynamoDB round trip: failed on moto: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await moto.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// The parent.

/** The CPUs this process may run on (`Cpus_allowed_list`), else 0..n-1. */
function allowedCpus(): number[] {
  try {
    const m = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) {
      return m[1].split(',').flatMap((part) => {
        const [a, b] = part.split('-').map(Number);
        return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
      });
    }
  } catch {
    // not Linux
  }
  return Array.from({ length: availableParallelism() }, (_, i) => i);
}

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `[taskset -c cpu] node -r tsx/cjs <this file> ...args`, as a command and its arguments. */
function command(cpu: number | undefined, args: string[]): [string, string[]] {
  const node = [process.execPath, '-r', 'tsx/cjs', __filename, ...args];
  return cpu === undefined ? [node[0], node.slice(1)] : ['taskset', ['-c', String(cpu), ...node]];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, d: number): number => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : d;
  };
  const measureMs = opt('--seconds', 5) * 1000;
  const warmupMs = opt('--warmup', 1) * 1000;
  const cpus = allowedCpus();
  const tasksetWorks = spawnSync('taskset', ['-c', String(cpus[0]), 'true']).status === 0;
  const serverCpu = tasksetWorks ? cpus[0] : undefined;
  const clientCpu = tasksetWorks && cpus.length >= 2 ? cpus[1] : undefined;
  const pinning =
    serverCpu === undefined
      ? 'not pinned: taskset is missing or refused here; gateway and upstream share whatever cores the OS gives them'
      : `gateway + upstream pinned to CPU ${serverCpu} (taskset -c ${serverCpu}); ` +
        (clientCpu === undefined ? 'load generator not pinned (one CPU only: it competes with the server)' : `load generator pinned to CPU ${clientCpu}`);
  const loadBefore = loadavg();
  log(`bench:gateway: ${measureMs / 1000} s a series after ${warmupMs / 1000} s of warm-up; ${pinning}`);

  // The server child: its ports on its first stdout line.
  const [serverCmd, serverArgs] = command(serverCpu, ['--server']);
  const server = spawn(serverCmd, serverArgs, { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise<ServerPorts>((resolve, reject) => {
    let text = '';
    server.stdout.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(text.slice(0, nl)) as ServerPorts);
    });
    server.on('exit', (code) => reject(new Error(`the server child exited (${code}) before it listened`)));
  });
  log(`  server: upstream :${ports.upstream}, gateway :${ports.gateway} (pid ${server.pid})`);

  let series: Series[] = [];
  try {
    const [clientCmd, clientArgs] = command(clientCpu, ['--client', JSON.stringify(ports), String(warmupMs), String(measureMs)]);
    const client = spawn(clientCmd, clientArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    client.stdout.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => client.on('exit', resolve));
    const line = text.split('\n').find((l) => l.startsWith('BENCH '));
    if (line) series = JSON.parse(line.slice(6)) as Series[];
    else log(`  the client child exited (${code}) without results`);
  } finally {
    server.stdin.end();
    const exited = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5_000);
      server.on('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
      if (server.exitCode !== null) resolve(true);
    });
    if (!exited && server.pid !== undefined) process.kill(server.pid, 'SIGKILL');
  }

  const out: string[] = [];
  const loadAfter = loadavg();
  out.push(`Machine: ${cpuModel()}, nproc ${availableParallelism()}, node ${process.version}; ${pinning}.`);
  // Anything else running shares these cores: the load average says whether it did.
  out.push(
    `Load average (1, 5, 15 min) before the run: ${loadBefore.map((l) => f(l)).join(', ')}; after the load series: ${loadAfter.map((l) => f(l)).join(', ')} ` +
      '(this run\'s two busy processes add up to 2 while it lasts). "other processes": the CPU, in % of one core, that everything else on the machine used during the series.',
  );
  out.push(
    `Each series: ${warmupMs / 1000} s warm-up, then ${measureMs / 1000} s measured; keep-alive, GET with a ~250-byte JSON answer. ` +
      `Closed loop at 1, 10 and 100 callers; then ${PACED.callers} callers paced at ${PACED.rps} req/s in total (open loop).`,
  );
  out.push('');
  const label = (s: Series): string => (s.pacedRps === undefined ? String(s.callers) : `${s.callers} @ ${s.pacedRps}/s`);
  out.push(
    '| callers | via | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | non-200 | server CPU µs/req | server CPU | client CPU | other processes | server loop delay p99 / max ms |',
  );
  out.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of series)
    out.push(
      `| ${label(s)} | ${s.via} | ${s.requests} | ${f(s.rps, 0)} | ${f(s.p50Ms, 3)} | ${f(s.p90Ms, 3)} | ${f(s.p99Ms, 3)} | ${f(s.maxMs, 1)} | ${s.errors} | ` +
        `${f(s.serverCpuUsPerRequest, 0)} | ${f(100 * s.serverCpuShare, 0)}% | ${f(100 * s.clientCpuShare, 0)}% | ${f(100 * s.otherCpuCores, 0)}% | ${f(s.loopDelayP99Ms, 1)} / ${f(s.loopDelayMaxMs, 1)} |`,
    );
  for (const s of series.filter((x) => x.errors > 0)) out.push(`  ${label(s)} ${s.via}: statuses ${JSON.stringify(s.statuses)}`);

  // Direct and gateway series of the same load, side by side.
  const pairs: { d: Series; g: Series }[] = [];
  for (const g of series.filter((s) => s.via === 'gateway')) {
    const d = series.find((s) => s.via === 'direct' && s.callers === g.callers && s.pacedRps === g.pacedRps);
    if (d) pairs.push({ d, g });
  }
  out.push('');
  out.push('| callers | overhead p50 ms | overhead p99 ms | gateway req/s | gateway / direct req/s | gateway CPU µs/call (server CPU, gateway − direct) |');
  out.push('|---:|---:|---:|---:|---:|---:|');
  for (const { d, g } of pairs)
    out.push(
      `| ${label(g)} | ${f(g.p50Ms - d.p50Ms, 3)} | ${f(g.p99Ms - d.p99Ms, 3)} | ${f(g.rps, 0)} | ${f(g.rps / d.rps)} | ` +
        `${f(g.serverCpuUsPerRequest - d.serverCpuUsPerRequest, 0)} |`,
    );

  out.push('');
  out.push(`Targets (p50 overhead ≤ ${TARGETS.p50OverheadMs} ms, p99 overhead ≤ ${TARGETS.p99OverheadMs} ms, ≥ ${TARGETS.rps} req/s on one core):`);
  const met = (ok: boolean): string => (ok ? 'met' : 'not met');
  for (const { d, g } of pairs) {
    out.push(
      `  ${label(g).padStart(12)}: p50 overhead ${f(g.p50Ms - d.p50Ms, 3)} ms — ${met(g.p50Ms - d.p50Ms <= TARGETS.p50OverheadMs)}; ` +
        `p99 overhead ${f(g.p99Ms - d.p99Ms, 3)} ms — ${met(g.p99Ms - d.p99Ms <= TARGETS.p99OverheadMs)}; ` +
        `${f(g.rps, 0)} req/s, server core ${f(100 * g.serverCpuShare, 0)}% busy`,
    );
  }
  // Capacity: the closed-loop series that served most; the paced one sends a fixed rate by design.
  const closed = pairs.filter((p) => p.g.pacedRps === undefined);
  if (closed.length) {
    const best = closed.reduce((a, b) => (b.g.rps > a.g.rps ? b : a));
    const own = best.g.serverCpuUsPerRequest - best.d.serverCpuUsPerRequest;
    out.push(
      `  throughput on one core: ${f(best.g.rps, 0)} req/s at ${best.g.callers} callers (server core ${f(100 * best.g.serverCpuShare, 0)}% busy), ` +
        `the upstream on the same core — ${met(best.g.rps >= TARGETS.rps)}` +
        (own > 0 ? `; from its CPU time (${f(own, 0)} µs a call), the gateway alone would serve about ${f(1e6 / own, 0)} req/s on one core` : ''),
    );
  }
  out.push(
    '  (A closed loop on a saturated core queues: with C callers, latency is about C / (req/s), so at 100 callers the "overhead" is the lower throughput, ' +
      `not the time one call spends in the gateway; the paced series measures that at ${PACED.rps} req/s.)`,
  );

  await storeRoundTrip(out);
  process.stdout.write(`${out.join('\n')}\n`);
}

const mode = process.argv[2];
if (mode === '--server') {
  serverChild().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
} else if (mode === '--client') {
  clientChild(JSON.parse(process.argv[3]) as ServerPorts, Number(process.argv[4]), Number(process.argv[5])).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
} else {
  main().catch((e: unknown) => {
    // It prints, it does not fail.
    process.stdout.write(`bench:gateway could not run: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  });
}
