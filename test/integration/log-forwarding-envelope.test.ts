/**
 * What the SIEM receives: the gateway's own call-log lines, written by its
 * CloudWatch sink into moto, go through the subscription filter as
 * synthesized (its name and pattern) to a Firehose stream; the records
 * Firehose receives are CloudWatch Logs' gzip envelope
 * (`{messageType, owner, logGroup, logStream, subscriptionFilters, logEvents}`),
 * which this test decodes as a consumer does and holds to the lines written,
 * field by field.
 *
 * moto forwards subscription events only into streams with an S3
 * destination, so the stream is an S3 stand-in of the synthesized one (same
 * name, the synthesized filter's name and pattern): what it stores is each
 * record exactly as Firehose received it. The HTTP endpoint leg (Firehose's
 * `{requestId, timestamp, records: [{data: <base64 of that record>}]}`) cannot
 * run on moto 5.2.5, whose HTTP destination decodes every record as UTF-8
 * and fails on gzip.
 */
import { CloudWatchLogsClient, CreateLogGroupCommand, PutSubscriptionFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { gunzipSync } from 'zlib';
import { Authenticator, gatewayKeyHash } from '../../functions/gateway/authenticate';
import { cloudWatchSink, memorySink } from '../../functions/gateway/call-log';
import { Credentials } from '../../functions/gateway/credentials';
import { DEFAULT_LIMITS, Gateway } from '../../functions/gateway/handler';
import { RateLimiter } from '../../functions/gateway/rate-limit';
import { RevocationCheck } from '../../functions/gateway/revocation';
import { memoryStore } from '../../functions/gateway/store';
import { CallLogLine, GatewayAgentConfig } from '../../model';
import { callLogText } from '../../model/call-log';
import { filterMatches } from '../support/log-filter';
import { PROOF_ACCOUNT } from '../support/iam-simulator';
import { MotoServer, startMoto } from '../support/moto';
import { synthesizeTable } from '../support/synthesized';

const FLEET = 'siem-demo';
const CALL_LOG = `/scoped-agents/${FLEET}/agents/lead-enricher`;
const GATEWAY_LOG = `/scoped-agents/${FLEET}/gateway`;
const STREAM = 'gateway/2026-12-04/proof';
const KEY = 'sag_proof_key_0123456789';

/** CloudWatch Logs' subscription payload, as AWS documents it. */
interface Envelope {
  readonly messageType: string;
  readonly owner: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly subscriptionFilters: readonly string[];
  readonly logEvents: readonly { readonly id: string | number; readonly timestamp: number; readonly message: string }[];
}

let moto: MotoServer;
let upstream: Server;
let filters: Record<string, { name: string; pattern: string }>;

/** An Authorization header for moto: it reads the region from the credential scope, and checks no signature. */
const scope = (service: string): string =>
  `AWS4-HMAC-SHA256 Credential=${moto.clientConfig.credentials.accessKeyId}/20261204/${moto.clientConfig.region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;

/** A call to moto's Firehose JSON API, in the proofs' region. */
async function firehose(action: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `Firehose_20150804.${action}`,
      Authorization: scope('firehose'),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Firehose ${action}: ${response.status} ${text}`);
  return JSON.parse(text || '{}') as Record<string, unknown>;
}

/** Every object moto's S3 holds in a bucket, by key. */
async function objects(bucket: string): Promise<Buffer[]> {
  const list = await (await fetch(`${moto.endpoint}/${bucket}?list-type=2`, { headers: { Authorization: scope('s3') } })).text();
  const keys = [...list.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]).sort();
  return Promise.all(
    keys.map(async (k) => {
      const r = await fetch(`${moto.endpoint}/${bucket}/${k}`, { headers: { Authorization: scope('s3') } });
      if (!r.ok) throw new Error(`GET ${bucket}/${k}: ${r.status}`);
      return Buffer.from(await r.arrayBuffer());
    }),
  );
}

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

/** A gateway with one agent, lead-enricher, whose HubSpot is a local server answering 200. */
function gatewayWith(sink: ReturnType<typeof cloudWatchSink>, baseUrl: string): Gateway {
  const config: GatewayAgentConfig = {
    agent: 'lead-enricher',
    auth: 'gateway-key',
    maxCallsPerMinute: 100,
    apis: {
      hubspot: {
        baseUrl,
        placement: { type: 'bearer' },
        credential: { secret: 'hubspot', store: 'vault', location: 'kv/data/agents/lead-enricher/hubspot', field: 'token', rotator: 'manual' },
        endpoints: ['GET /crm/v3/objects/contacts/*'],
        scopes: { 'crm.contacts.read': ['GET /crm/v3/objects/contacts/*'] },
      },
    },
  };
  const store = memoryStore([config], { [gatewayKeyHash(KEY)]: { agent: 'lead-enricher' } });
  return new Gateway({
    fleet: FLEET,
    store,
    authenticator: new Authenticator(store, 'http://127.0.0.1:9'),
    revocation: new RevocationCheck({ read: async () => ({ status: 404, body: {} }) }, 'kv'),
    credentials: new Credentials({ read: async () => ({ token: 'hubspot-token' }) }),
    limiter: new RateLimiter(store),
    sink,
    limits: DEFAULT_LIMITS,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
}

/** The envelope of one record, decoded as a consumer does: gunzip, then JSON. */
const decode = (record: Buffer): Envelope => JSON.parse(gunzipSync(record).toString('utf8')) as Envelope;

/** Objects holding one gzip member each (moto writes one per PutLogEvents), by log group. */
const byGroup = (envelopes: readonly Envelope[]): Record<string, Envelope[]> =>
  envelopes.reduce<Record<string, Envelope[]>>((acc, e) => ({ ...acc, [e.logGroup]: [...(acc[e.logGroup] ?? []), e] }), {});

let written: { group: string; line: CallLogLine }[];
let envelopes: Envelope[];
let records: Buffer[];

beforeAll(async () => {
  const { stacks } = await synthesizeTable({ table: 'test/fixtures/log-forwarding.yaml' });
  const tf = stacks[0].json.resource ?? {};
  filters = {};
  for (const f of Object.values(tf.aws_cloudwatch_log_subscription_filter ?? {})) {
    const m = /^\$\{aws_cloudwatch_log_group\.([^.]+)\.name\}$/.exec(String(f.log_group_name))!;
    filters[String(tf.aws_cloudwatch_log_group[m[1]].name)] = { name: String(f.name), pattern: String(f.filter_pattern) };
  }
  const streamName = String(Object.values(tf.aws_kinesis_firehose_delivery_stream)[0].name);

  moto = await startMoto();
  upstream = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"101"}'));
  const upstreamUrl = await listen(upstream);

  for (const bucket of ['siem-capture']) {
    const made = await fetch(`${moto.endpoint}/${bucket}`, {
      method: 'PUT',
      headers: { Authorization: scope('s3') },
      // us-east-1 takes no location constraint; every other region needs one.
      body:
        moto.clientConfig.region === 'us-east-1'
          ? undefined
          : `<CreateBucketConfiguration><LocationConstraint>${moto.clientConfig.region}</LocationConstraint></CreateBucketConfiguration>`,
    });
    if (!made.ok) throw new Error(`create bucket ${bucket}: ${made.status} ${await made.text()}`);
  }
  const created = await firehose('CreateDeliveryStream', {
    DeliveryStreamName: streamName,
    DeliveryStreamType: 'DirectPut',
    ExtendedS3DestinationConfiguration: { RoleARN: `arn:aws:iam::${PROOF_ACCOUNT}:role/${FLEET}-siem-firehose`, BucketARN: 'arn:aws:s3:::siem-capture' },
  });
  const logs = new CloudWatchLogsClient(moto.clientConfig);
  for (const group of [CALL_LOG, GATEWAY_LOG]) {
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(
      new PutSubscriptionFilterCommand({
        logGroupName: group,
        filterName: filters[group].name,
        filterPattern: filters[group].pattern,
        destinationArn: String(created.DeliveryStreamARN),
        roleArn: `arn:aws:iam::${PROOF_ACCOUNT}:role/${FLEET}-siem-logs`,
      }),
    );
  }

  // The gateway's own lines: an answered call, a call outside its endpoints, and one nobody can attribute.
  const memory = memorySink();
  const cloud = cloudWatchSink(logs, STREAM, { info: () => undefined, warn: () => undefined, error: (m) => void console.error(m) });
  const both = { write: (g: string, l: CallLogLine) => (memory.write(g, l), cloud.write(g, l)), flush: () => cloud.flush() };
  const gateway = gatewayWith(both, upstreamUrl);
  const call = async (target: string, key: string, method = 'GET'): Promise<number> => {
    const answer = await gateway.handle({
      method,
      target,
      headers: { 'x-scoped-agents-key': key },
      body: Buffer.alloc(0),
      requestId: `req-${target.length}-${key.length}`,
      signal: new AbortController().signal,
    });
    for await (const _ of answer.body) void _;
    return answer.status;
  };
  expect([
    await call('/hubspot/crm/v3/objects/contacts/101', KEY),
    await call('/hubspot/crm/v3/objects/contacts/101', KEY, 'DELETE'),
    await call('/hubspot/crm/v3/objects/contacts/101', 'sag_not_a_key'),
  ]).toEqual([200, 403, 401]);
  await cloud.flush();
  written = memory.lines;

  records = await objects('siem-capture');
  envelopes = records.map(decode);
}, 60_000);

afterAll(async () => {
  upstream?.close();
  await moto?.stop();
});

test('the gateway wrote three lines: two in the call log, one in its own group', () => {
  expect(written.map((w) => [w.group, w.line.outcome, w.line.status])).toEqual([
    [CALL_LOG, 'ok', 200],
    [CALL_LOG, 'denied', 403],
    [GATEWAY_LOG, 'unauthenticated', 401],
  ]);
});

test("each record Firehose receives is CloudWatch Logs' gzip envelope, naming the group, the stream and the synthesized filter", () => {
  expect(records.every((r) => r[0] === 0x1f && r[1] === 0x8b)).toBe(true);
  const groups = byGroup(envelopes);
  expect(Object.keys(groups).sort()).toEqual([CALL_LOG, GATEWAY_LOG]);
  for (const [group, list] of Object.entries(groups)) {
    for (const e of list) {
      expect({ ...e, logEvents: undefined }).toEqual({
        messageType: 'DATA_MESSAGE',
        owner: PROOF_ACCOUNT,
        logGroup: group,
        logStream: STREAM,
        subscriptionFilters: ['scoped-agents-siem'],
        logEvents: undefined,
      });
    }
  }
});

test('the events carry every field of the call-log lines, unchanged, at the time of the call', () => {
  const events = Object.fromEntries(Object.entries(byGroup(envelopes)).map(([g, list]) => [g, list.flatMap((e) => e.logEvents)]));
  for (const group of [CALL_LOG, GATEWAY_LOG]) {
    // What the synthesized filter lets through (moto applies no pattern): every line.
    const lines = written.filter((w) => w.group === group && filterMatches(filters[group].pattern, callLogText(w.line))).map((w) => w.line);
    expect(lines).toHaveLength(written.filter((w) => w.group === group).length);
    expect(events[group].map((e) => JSON.parse(e.message))).toEqual(lines);
    expect(events[group].map((e) => e.timestamp)).toEqual(lines.map((l) => Date.parse(l.timestamp)));
    // Each event has its own id (AWS writes a string of digits, moto a number).
    expect(new Set(events[group].map((e) => String(e.id))).size).toBe(lines.length);
  }
  const [ok, denied] = events[CALL_LOG].map((e) => JSON.parse(e.message) as CallLogLine);
  expect(ok).toMatchObject({ agent: 'lead-enricher', api: 'hubspot', method: 'GET', path: '/crm/v3/objects/contacts/101', status: 200, outcome: 'ok' });
  expect(ok.token).toMatch(/^sha256:[0-9a-f]{16}$/);
  expect(ok.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(denied).toMatchObject({ method: 'DELETE', status: 403, outcome: 'denied', token: ok.token });
  expect(JSON.parse(events[GATEWAY_LOG][0].message)).toMatchObject({ agent: '-', outcome: 'unauthenticated', status: 401 });
  // Never the key itself, in any record.
  expect(records.map((r) => gunzipSync(r).toString()).join('')).not.toContain('sag_');
});
