import { randomBytes } from 'crypto';
import { FakeAnswer, FakeHttpServer, mediaType, RecordedRequest, startFakeHttp } from './fake-http';

/** One API key the fake knows. */
export interface FakeSendGridKey {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly scopes: readonly string[];
}

/** SendGrid's v3 API keys API, as a local server. */
export interface FakeSendGrid extends FakeHttpServer {
  /** Keys that exist now, by id. */
  readonly keys: Map<string, FakeSendGridKey>;
}

// SendGrid adds these to every key it creates.
const IMPLICIT = ['2fa_required'];

/**
 * A local stand-in for SendGrid's API keys endpoints, checking what the v3 API
 * documents: `Authorization: Bearer <a live key>`, the `api_keys.*` scope the
 * call needs, JSON bodies, `name` required on create.
 * - `GET /v3/api_keys/{id}` → 200 `{ result: [{ name, api_key_id, scopes }] }`, 404 when unknown;
 * - `POST /v3/api_keys { name, scopes? }` → 201 `{ api_key, api_key_id, name, scopes }`;
 *   without `scopes` the key gets full access (as SendGrid does); scopes the
 *   calling key lacks are not granted (a key cannot widen its own grant);
 * - `DELETE /v3/api_keys/{id}` → 204, 404 when unknown;
 * - `POST /v3/mail/send` with a key holding `mail.send` and a JSON body with
 *   `personalizations[].to[].email`, `from.email`, `subject` and `content[]`
 *   → 202 with no body and an `X-Message-Id` header (Mail Send v3).
 * Errors use SendGrid's `{ errors: [{ field, message }] }`.
 */
export async function startFakeSendGrid(initial: readonly FakeSendGridKey[]): Promise<FakeSendGrid> {
  const keys = new Map(initial.map((k) => [k.id, k]));
  const error = (status: number, message: string, field: string | null = null): FakeAnswer => ({ status, body: { errors: [{ field, message }] } });
  const route = (req: RecordedRequest): FakeAnswer => {
    const auth = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''));
    const caller = auth ? [...keys.values()].find((k) => k.key === auth[1]) : undefined;
    if (req.path === '/v3/mail/send') return mailSend(req, caller);
    const m = /^\/v3\/api_keys(?:\/([^/?]+))?$/.exec(req.path);
    if (!m) return error(404, 'not found');
    if (!caller) return error(401, 'authorization required');
    const id = m[1] === undefined ? undefined : decodeURIComponent(m[1]);
    const needs = (scope: string): FakeAnswer | undefined => (caller.scopes.includes(scope) ? undefined : error(403, 'access forbidden'));

    if (req.method === 'GET' && id !== undefined) {
      const denied = needs('api_keys.read');
      if (denied) return denied;
      const key = keys.get(id);
      return key ? { status: 200, body: { result: [{ name: key.name, api_key_id: key.id, scopes: [...key.scopes] }] } } : error(404, 'unable to find API Key');
    }
    if (req.method === 'POST' && id === undefined) {
      const denied = needs('api_keys.create');
      if (denied) return denied;
      if (mediaType(req) !== 'application/json') return error(400, 'content type must be application/json');
      let body: { name?: unknown; scopes?: unknown };
      try {
        body = JSON.parse(req.body);
      } catch {
        return error(400, 'request body is invalid JSON');
      }
      if (typeof body.name !== 'string' || body.name === '') return error(400, 'missing required argument', 'name');
      if (body.scopes !== undefined && (!Array.isArray(body.scopes) || !body.scopes.every((s) => typeof s === 'string')))
        return error(400, 'scopes must be an array of strings', 'scopes');
      const requested = (body.scopes as string[] | undefined) ?? ['full-access'];
      const scopes = [...new Set([...requested.filter((s) => s === 'full-access' || caller.scopes.includes(s)), ...IMPLICIT])];
      const created: FakeSendGridKey = {
        id: `kid-${randomBytes(8).toString('hex')}`,
        key: `SG.${randomBytes(22).toString('base64url')}.${randomBytes(32).toString('base64url')}`,
        name: body.name,
        scopes,
      };
      keys.set(created.id, created);
      return { status: 201, body: { api_key: created.key, api_key_id: created.id, name: created.name, scopes: [...created.scopes] } };
    }
    if (req.method === 'DELETE' && id !== undefined) {
      const denied = needs('api_keys.delete');
      if (denied) return denied;
      return keys.delete(id) ? { status: 204 } : error(404, 'unable to find API Key');
    }
    return error(405, 'method not allowed');
  };
  const server = await startFakeHttp(route);
  return { ...server, keys };
}

/** Mail Send v3, as documented: the checks SendGrid makes before accepting a message (202). */
function mailSend(req: RecordedRequest, caller: FakeSendGridKey | undefined): FakeAnswer {
  const error = (status: number, message: string, field: string | null = null): FakeAnswer => ({ status, body: { errors: [{ field, message, help: null }] } });
  if (req.method !== 'POST') return error(405, 'method not allowed');
  if (!caller) return error(401, 'The provided authorization grant is invalid, expired, or revoked');
  if (!caller.scopes.includes('mail.send') && !caller.scopes.includes('full-access')) return error(403, 'access forbidden');
  if (mediaType(req) !== 'application/json') return error(400, 'Content-Type should be application/json.');
  let body: { personalizations?: { to?: { email?: unknown }[] }[]; from?: { email?: unknown }; subject?: unknown; content?: unknown[] };
  try {
    body = JSON.parse(req.body);
  } catch {
    return error(400, 'Bad Request', null);
  }
  if (!Array.isArray(body.personalizations) || body.personalizations.length === 0)
    return error(400, 'The personalizations field is required and must have at least one personalization.', 'personalizations');
  if (!body.personalizations.every((p) => Array.isArray(p.to) && p.to.every((t) => typeof t.email === 'string' && t.email.includes('@'))))
    return error(400, 'Each personalization must have at least one recipient with an email address.', 'personalizations.0.to');
  if (typeof body.from?.email !== 'string') return error(400, 'The from object must be provided for every email send.', 'from');
  if (typeof body.subject !== 'string' || body.subject === '') return error(400, 'The subject is required.', 'subject');
  if (!Array.isArray(body.content) || body.content.length === 0)
    return error(400, 'Unless a valid template_id is provided, the content parameter is required.', 'content');
  return { status: 202, headers: { 'X-Message-Id': `msg-${randomBytes(8).toString('hex')}` } };
}
