import { randomBytes } from 'crypto';
import { FakeAnswer, FakeHttpServer, mediaType, RecordedRequest, startFakeHttp } from './fake-http';

/** Options of {@link startFakeOAuth2}. */
export interface FakeOAuth2Options {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The refresh token that is valid at start. */
  readonly refreshToken: string;
  /**
   * Issue a new refresh token on each refresh and invalidate the old one (as
   * HubSpot and most providers may).
   * @default true
   */
  readonly rotateRefreshTokens?: boolean;
  /** @default 1800 (HubSpot's access tokens last 30 minutes) */
  readonly expiresIn?: number;
}

/** An OAuth 2.0 token endpoint (RFC 6749 §6 refresh grant) at `<url>/oauth/v1/token`. */
export interface FakeOAuth2 extends FakeHttpServer {
  /** The token endpoint URL. */
  readonly tokenUrl: string;
  /** The refresh token that is valid now. */
  refreshToken(): string;
  /** Access tokens issued so far, oldest first. */
  readonly issued: string[];
  /** Invalidates the current refresh token (the user revoked the app): every refresh answers 400 invalid_grant. */
  revoke(): void;
}

/**
 * A local token endpoint that checks requests the way RFC 6749 specifies:
 * POST, `application/x-www-form-urlencoded`, `grant_type=refresh_token`, the
 * client's credentials in the body (§2.3.1), and the current refresh token.
 * Answers 200 `{ access_token, token_type, expires_in, refresh_token }`, or
 * the §5.2 error object: `invalid_request`, `unsupported_grant_type`,
 * `invalid_client` (401), `invalid_grant`.
 */
export async function startFakeOAuth2(options: FakeOAuth2Options): Promise<FakeOAuth2> {
  let current: string | undefined = options.refreshToken;
  const issued: string[] = [];
  const error = (status: number, code: string, description: string): FakeAnswer => ({ status, body: { error: code, error_description: description } });
  const route = (req: RecordedRequest): FakeAnswer => {
    if (req.path !== '/oauth/v1/token') return { status: 404, body: { error: 'not_found' } };
    if (req.method !== 'POST') return error(405, 'invalid_request', 'the token endpoint takes POST');
    if (mediaType(req) !== 'application/x-www-form-urlencoded') return error(400, 'invalid_request', 'expected application/x-www-form-urlencoded');
    const form = new URLSearchParams(req.body);
    for (const name of form.keys()) if (form.getAll(name).length > 1) return error(400, 'invalid_request', `${name} repeated`);
    if (form.get('grant_type') !== 'refresh_token') return error(400, 'unsupported_grant_type', `grant_type ${form.get('grant_type')}`);
    if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret)
      return error(401, 'invalid_client', 'client authentication failed');
    if (!form.get('refresh_token') || form.get('refresh_token') !== current) return error(400, 'invalid_grant', 'refresh token is invalid, expired or revoked');
    const accessToken = `at-${randomBytes(12).toString('hex')}`;
    issued.push(accessToken);
    if (options.rotateRefreshTokens ?? true) current = `rt-${randomBytes(12).toString('hex')}`;
    return { status: 200, body: { access_token: accessToken, token_type: 'bearer', expires_in: options.expiresIn ?? 1800, refresh_token: current } };
  };
  const server = await startFakeHttp(route);
  return {
    ...server,
    tokenUrl: `${server.url}/oauth/v1/token`,
    refreshToken: () => current ?? '',
    issued,
    revoke: () => {
      current = undefined;
    },
  };
}
