/**
 * A stand-in for GitHub Actions' OIDC token service, for tests: an RSA key
 * pair generated per test run (node:crypto), and RS256 tokens shaped like the
 * ones GitHub gives a workflow run (iss, aud, sub, repository, environment,
 * ref…). The real issuer's private keys are GitHub's; Vault is pointed at this
 * public key instead (`jwtKeySource` of test/support/replay.ts), every other
 * setting stays as synthesized.
 */
import { createPublicKey, generateKeyPairSync, KeyObject, randomUUID, sign } from 'crypto';

/** GitHub's issuer: every token claims it, as the real ones do. */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** The claims of a GitHub Actions OIDC token (a subset: what Vault and AWS read, and a few for realism). */
export interface GithubClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  repository: string;
  repository_owner: string;
  environment?: string;
  ref: string;
  ref_type: string;
  sha: string;
  workflow: string;
  job_workflow_ref: string;
  event_name: string;
  actor: string;
  run_id: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  [claim: string]: unknown;
}

/** A key pair that signs GitHub-shaped tokens. */
export interface GithubTokenIssuer {
  /** The public key, PEM (SPKI), for `jwt_validation_pubkeys`. */
  readonly publicKeyPem: string;
  /** The public key as a JWK, for a JWKS. */
  readonly jwk: Record<string, unknown>;
  /** Claims of a token for a job in `repository`, `environment`; `overrides` replace any claim (`undefined` removes it). */
  claims(repository: string, environment: string | undefined, audience: string, overrides?: Partial<Record<keyof GithubClaims, unknown>>): GithubClaims;
  /** Signs claims into a compact JWT (RS256). */
  sign(claims: Readonly<Record<string, unknown>>): string;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** A new key pair and the functions to mint tokens with it. */
export function githubTokenIssuer(kid = `test-${randomUUID().slice(0, 8)}`): GithubTokenIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return issuerOf(privateKey, publicKey, kid);
}

function issuerOf(privateKey: KeyObject, publicKey: KeyObject, kid: string): GithubTokenIssuer {
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const jwk = { ...createPublicKey(publicKeyPem).export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return {
    publicKeyPem,
    jwk,
    claims(repository, environment, audience, overrides = {}) {
      const now = Math.floor(Date.now() / 1000);
      const [owner] = repository.split('/');
      const base: GithubClaims = {
        iss: GITHUB_ISSUER,
        aud: audience,
        sub: environment === undefined ? `repo:${repository}:ref:refs/heads/main` : `repo:${repository}:environment:${environment}`,
        repository,
        repository_owner: owner,
        ...(environment === undefined ? {} : { environment }),
        ref: 'refs/heads/main',
        ref_type: 'branch',
        sha: 'f3b0c4a1d2e5f60718293a4b5c6d7e8f90a1b2c3',
        workflow: 'release',
        job_workflow_ref: `${repository}/.github/workflows/release.yml@refs/heads/main`,
        event_name: 'push',
        actor: 'octocat',
        run_id: '1234567890',
        iat: now,
        nbf: now - 5,
        exp: now + 300,
        jti: randomUUID(),
      };
      const out: Record<string, unknown> = { ...base };
      for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete out[k];
        else out[k] = v;
      }
      return out as GithubClaims;
    },
    sign(claims) {
      const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
      const payload = b64url(JSON.stringify(claims));
      const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey);
      return `${header}.${payload}.${b64url(signature)}`;
    },
  };
}
