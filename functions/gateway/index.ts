/**
 * The gateway function: behind a Lambda Function URL with response streaming
 * (`InvokeMode: RESPONSE_STREAM`), every SaaS call of the fleet's agents goes
 * through it. A thin shell: reads the environment, builds one
 * {@link Gateway} an instance, turns each Function URL event into a request
 * and streams the answer back.
 */
import { randomUUID } from 'crypto';
import { Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { awsClients } from '../shared/aws';
import { readEnv } from '../shared/env';
import { jsonLogger, Logger } from '../shared/log';
import { appRoleLogin, appRoleCredentialsFrom, Fetch } from '../shared/vault';
import { readJsonSecret } from '../shared/aws';
import { Authenticator } from './authenticate';
import { cloudWatchSink } from './call-log';
import { credentialSource, Credentials } from './credentials';
import { DEFAULT_LIMITS, Gateway, GatewayLimits, GatewayRequest } from './handler';
import { RateLimiter } from './rate-limit';
import { RevocationCheck } from './revocation';
import { dynamoStore } from './store';
import { vaultSession } from './vault-session';

/** A Function URL request (payload format 2.0), as far as the gateway reads it. */
export interface FunctionUrlEvent {
  readonly rawPath?: string;
  readonly rawQueryString?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext?: { readonly domainName?: string; readonly requestId?: string; readonly http?: { readonly method?: string } };
}

/** The gateway's request for one Function URL event. */
export function requestFromEvent(event: FunctionUrlEvent, signal: AbortSignal): GatewayRequest {
  const query = event.rawQueryString ?? '';
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    target: `${event.rawPath ?? '/'}${query !== '' ? `?${query}` : ''}`,
    headers: Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8'),
    requestId: event.requestContext?.requestId ?? randomUUID(),
    signal,
    host: event.requestContext?.domainName,
  };
}

/** A whole number from the environment, or `fallback`. */
function numberFrom(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Builds an instance's gateway from the function's environment. */
export function gatewayFrom(
  env: Readonly<Record<string, string | undefined>>,
  fetchFn: Fetch = fetch,
  log: Logger = jsonLogger(),
): { gateway: Gateway; flush: () => Promise<void> } {
  const e = readEnv(
    env,
    ['FLEET', 'VAULT_ADDR', 'KV_MOUNT', 'APPROLE_MOUNT', 'VAULT_LOGIN_SECRET_ARN', 'GATEWAY_TABLE'],
    ['MAX_BODY_BYTES', 'UPSTREAM_HEADERS_TIMEOUT_MS', 'UPSTREAM_IDLE_TIMEOUT_MS'],
  );
  const aws = awsClients(env);
  const vault = vaultSession(async () =>
    appRoleLogin(
      e.VAULT_ADDR,
      e.APPROLE_MOUNT,
      appRoleCredentialsFrom(await readJsonSecret(aws.secrets, e.VAULT_LOGIN_SECRET_ARN, 'the Vault login secret'), 'the Vault login secret'),
      fetchFn,
    ),
  );
  const store = dynamoStore(aws.dynamodb, e.GATEWAY_TABLE);
  const sink = cloudWatchSink(aws.logs, `gateway/${new Date().toISOString().slice(0, 10)}/${randomUUID()}`, log);
  const limits: GatewayLimits = {
    maxBodyBytes: numberFrom(e.MAX_BODY_BYTES, DEFAULT_LIMITS.maxBodyBytes),
    headersTimeoutMs: numberFrom(e.UPSTREAM_HEADERS_TIMEOUT_MS, DEFAULT_LIMITS.headersTimeoutMs),
    idleTimeoutMs: numberFrom(e.UPSTREAM_IDLE_TIMEOUT_MS, DEFAULT_LIMITS.idleTimeoutMs),
  };
  const gateway = new Gateway({
    fleet: e.FLEET,
    store,
    authenticator: new Authenticator(store, e.VAULT_ADDR, fetchFn),
    revocation: new RevocationCheck(vault, e.KV_MOUNT),
    credentials: new Credentials(
      credentialSource(vault, () => aws.secrets),
      fetchFn,
    ),
    limiter: new RateLimiter(store),
    sink,
    limits,
    log,
  });
  return { gateway, flush: () => sink.flush() };
}

/** The streaming response of Lambda's Node.js runtime. */
interface ResponseStream extends Writable {
  setContentType?(type: string): void;
}

/** What Lambda's Node.js runtime provides for response streaming (the `awslambda` global). */
declare const awslambda: {
  streamifyResponse(handler: (event: FunctionUrlEvent, stream: ResponseStream) => Promise<void>): unknown;
  HttpResponseStream: { from(stream: ResponseStream, metadata: { statusCode: number; headers: Record<string, string> }): ResponseStream };
};

let instance: ReturnType<typeof gatewayFrom> | undefined;

/** Serves one Function URL event, streaming the answer into `stream`. */
export async function serveEvent(
  event: FunctionUrlEvent,
  stream: ResponseStream,
  from: () => ReturnType<typeof gatewayFrom>,
  wrap: typeof awslambda.HttpResponseStream.from,
): Promise<void> {
  const { gateway, flush } = from();
  const aborter = new AbortController();
  stream.on('close', () => {
    if (!stream.writableFinished) aborter.abort();
  });
  const answer = await gateway.handle(requestFromEvent(event, aborter.signal));
  // A Function URL takes one value a header: repeated ones are joined as RFC 9110 folds them.
  const headers = Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k, typeof v === 'string' ? v : v.join(', ')]));
  const out = wrap(stream, { statusCode: answer.status, headers });
  try {
    await pipeline(answer.body, out);
  } catch {
    // The caller went away, or the provider broke off: the line says which.
  }
  await answer.logged;
  // One request an invocation: deliver its line before Lambda freezes the instance.
  await flush();
}

/** Lambda entry point (response streaming). */
export const handler =
  typeof awslambda === 'undefined' || typeof awslambda.streamifyResponse !== 'function'
    ? undefined
    : awslambda.streamifyResponse((event, stream) =>
        serveEvent(
          event,
          stream,
          () => (instance ??= gatewayFrom(process.env)),
          (s, m) => awslambda.HttpResponseStream.from(s, m),
        ),
      );
