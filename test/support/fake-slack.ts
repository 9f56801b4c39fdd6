import { FakeAnswer, FakeHttpServer, mediaType, RecordedRequest, startFakeHttp } from './fake-http';

/** A Slack incoming webhook, as a local server. */
export interface FakeSlack extends FakeHttpServer {
  /** The webhook URL to store in the webhook secret. */
  readonly webhookUrl: string;
  /** Payloads accepted (200 `ok`), parsed. */
  readonly accepted: { text: string; blocks?: unknown[] }[];
  /** Requests refused, with why. */
  readonly refused: { reason: string; body: string }[];
}

const TEXT_TYPES = ['plain_text', 'mrkdwn'];

/** Problems of one Block Kit text object (`max`: Slack's length limit for where it is used). */
function textProblems(t: unknown, where: string, max: number, only?: string): string[] {
  const o = t as Record<string, unknown> | null;
  if (!o || typeof o !== 'object') return [`${where}: not a text object`];
  const problems: string[] = [];
  const unknown = Object.keys(o).filter((k) => !['type', 'text', 'emoji', 'verbatim'].includes(k));
  if (unknown.length > 0) problems.push(`${where}: unknown keys ${unknown.join(', ')}`);
  if (!TEXT_TYPES.includes(String(o.type)) || (only && o.type !== only)) problems.push(`${where}: type ${String(o.type)}`);
  if (typeof o.text !== 'string' || o.text.length === 0) problems.push(`${where}: text must be a non-empty string`);
  else if (o.text.length > max) problems.push(`${where}: text longer than ${max}`);
  return problems;
}

/** Problems of one block, against Block Kit's documented shapes and limits. */
function blockProblems(b: unknown, i: number): string[] {
  const o = b as Record<string, unknown> | null;
  const where = `blocks[${i}]`;
  if (!o || typeof o !== 'object' || Array.isArray(o)) return [`${where}: not an object`];
  const allowed: Record<string, string[]> = {
    header: ['type', 'text', 'block_id'],
    section: ['type', 'text', 'fields', 'block_id', 'accessory'],
    context: ['type', 'elements', 'block_id'],
    divider: ['type', 'block_id'],
  };
  const keys = allowed[String(o.type)];
  if (!keys) return [`${where}: unknown block type ${String(o.type)}`];
  const unknown = Object.keys(o).filter((k) => !keys.includes(k));
  if (unknown.length > 0) return [`${where}: unknown keys ${unknown.join(', ')}`];
  switch (o.type) {
    case 'header':
      return textProblems(o.text, `${where}.text`, 150, 'plain_text');
    case 'section': {
      if (o.text === undefined && o.fields === undefined) return [`${where}: a section needs text or fields`];
      const problems = o.text === undefined ? [] : textProblems(o.text, `${where}.text`, 3000);
      if (o.fields !== undefined) {
        if (!Array.isArray(o.fields) || o.fields.length === 0 || o.fields.length > 10) problems.push(`${where}.fields: 1 to 10 text objects`);
        else o.fields.forEach((f, j) => problems.push(...textProblems(f, `${where}.fields[${j}]`, 2000)));
      }
      return problems;
    }
    case 'context':
      if (!Array.isArray(o.elements) || o.elements.length === 0 || o.elements.length > 10) return [`${where}.elements: 1 to 10 elements`];
      return o.elements.flatMap((e, j) => textProblems(e, `${where}.elements[${j}]`, 3000));
    default:
      return [];
  }
}

/**
 * A local incoming webhook at `<url>/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX`
 * that checks what Slack documents: POST, `application/json`, a JSON object
 * with a non-empty `text` string and optional `blocks` (at most 50, each a
 * valid header, section, context or divider block). Answers 200 `ok`, or 400
 * `invalid_payload` (recording why).
 */
export async function startFakeSlack(): Promise<FakeSlack> {
  const path = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
  const accepted: FakeSlack['accepted'] = [];
  const refused: FakeSlack['refused'] = [];
  const refuse = (reason: string, req: RecordedRequest): FakeAnswer => {
    refused.push({ reason, body: req.body });
    return { status: 400, body: 'invalid_payload' };
  };
  const route = (req: RecordedRequest): FakeAnswer => {
    if (req.path !== path) return { status: 404, body: 'no_service' };
    if (req.method !== 'POST') return { status: 405, body: 'invalid_method' };
    if (mediaType(req) !== 'application/json') return refuse(`content type ${mediaType(req) || '(none)'}`, req);
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(req.body);
    } catch {
      return refuse('not JSON', req);
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return refuse('not a JSON object', req);
    if (typeof payload.text !== 'string' || payload.text.trim() === '') return refuse('text must be a non-empty string', req);
    if (payload.text.length > 40_000) return refuse('text longer than 40000', req);
    const problems: string[] = [];
    if (payload.blocks !== undefined) {
      if (!Array.isArray(payload.blocks) || payload.blocks.length > 50) problems.push('blocks must be an array of at most 50 blocks');
      else payload.blocks.forEach((b, i) => problems.push(...blockProblems(b, i)));
    }
    if (problems.length > 0) return refuse(problems.join('; '), req);
    accepted.push({ text: payload.text, blocks: payload.blocks as unknown[] | undefined });
    return { status: 200, body: 'ok' };
  };
  const server = await startFakeHttp(route);
  return { ...server, webhookUrl: `${server.url}${path}`, accepted, refused };
}
