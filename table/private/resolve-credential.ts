import { ApiDefinition, BUILTIN_APIS } from '../../model/apis';
import { Credential } from '../../model/fleet';
import { SAFE_NAME } from '../../model/names';
import {
  defaultManagementSecret,
  isProvider,
  PROVIDER_FACTS,
  ProviderName,
  REVOKERS_NEEDING_MANAGEMENT,
  RevokerName,
  ROTATORS_NEEDING_MANAGEMENT,
} from '../../model/providers';
import { CredentialInput } from '../schema';
import { urlProblem } from './checks';
import { SettingProblem } from './inherit';

/** Rotators that call a token endpoint: OAuth2's, and GitHub's installation-token exchange. */
const TOKEN_ROTATORS: readonly Credential['rotator'][] = ['oauth2-refresh', 'github-app'];

/** What decides a credential's defaults: the built-in provider it belongs to, and that API's base URL here. */
export interface CredentialContext {
  readonly provider?: ProviderName;
  readonly baseUrl?: string;
}

/**
 * The provider of credential `name`: the one built-in API its scopes call
 * through the gateway, else the built-in API of the same name (an agent that
 * calls it directly); absent for a provider of the table's own.
 */
export function credentialContext(name: string, apisCalled: readonly string[], known: ReadonlyMap<string, ApiDefinition>): CredentialContext {
  const builtin = [...new Set(apisCalled)].filter((api) => isProvider(api));
  const provider = builtin.length === 1 ? builtin[0] : builtin.length === 0 && isProvider(name) ? name : undefined;
  if (!isProvider(provider)) return {};
  const baseUrl = known.get(provider)?.baseUrl ?? BUILTIN_APIS[provider]?.baseUrl;
  return { provider, ...(baseUrl !== undefined ? { baseUrl } : {}) };
}

/** The rotation a provider gives a credential by default, when its token endpoint is known here. */
function defaultRotation(ctx: CredentialContext): Pick<Credential, 'rotator' | 'tokenUrl'> | undefined {
  const rotation = ctx.provider ? PROVIDER_FACTS[ctx.provider].rotation : undefined;
  if (!rotation) return undefined;
  if (!rotation.tokenUrl) return { rotator: rotation.rotator };
  const tokenUrl = rotation.tokenUrl(ctx.baseUrl);
  return tokenUrl === undefined ? undefined : { rotator: rotation.rotator, tokenUrl };
}

/** The revoker of a credential at its provider, if one can work with how it is rotated. */
function revokerOf(ctx: CredentialContext, rotator: Credential['rotator'], revocationUrl: string | undefined): RevokerName | undefined {
  if (revocationUrl !== undefined) return 'oauth2-rfc7009';
  const revoker = ctx.provider ? PROVIDER_FACTS[ctx.provider].revoker : undefined;
  // HubSpot revokes refresh tokens; a private app token (no refresh token) is revoked in HubSpot's settings.
  if (revoker === 'hubspot-refresh-token' && rotator !== 'oauth2-refresh') return undefined;
  return revoker;
}

/** Completes a credential with what follows from its provider: revoker, management credential, console. */
function completed(name: string, base: Omit<Credential, 'revoker' | 'management' | 'provider'>, ctx: CredentialContext, management?: string): Credential {
  const revoker = revokerOf(ctx, base.rotator, base.revocationUrl);
  const needs = ROTATORS_NEEDING_MANAGEMENT.includes(base.rotator) || (revoker !== undefined && REVOKERS_NEEDING_MANAGEMENT.includes(revoker));
  const managementSecret = management ?? (needs ? defaultManagementSecret(name) : undefined);
  return {
    ...base,
    ...(ctx.provider ? { provider: ctx.provider } : {}),
    ...(revoker ? { revoker } : {}),
    ...(managementSecret ? { management: managementSecret } : {}),
  };
}

/** Checks one entry of `credentials:` and resolves it. */
export function resolveCredential(
  name: string,
  input: CredentialInput,
  used: boolean,
  ctx: CredentialContext = {},
): { credential: Credential; problems: SettingProblem[]; unused: boolean } {
  const problems: SettingProblem[] = [];
  const at = ['credentials', name];
  const byDefault = input.rotator === undefined ? defaultRotation(ctx) : undefined;
  const rotator = input.rotator ?? byDefault?.rotator ?? 'manual';
  // An oauth2-refresh (or github-app) credential of a provider whose token endpoint is known needs no tokenUrl written.
  const known = defaultRotation(ctx);
  const knownTokenUrl = TOKEN_ROTATORS.includes(rotator) ? (byDefault?.tokenUrl ?? (known?.rotator === rotator ? known.tokenUrl : undefined)) : undefined;
  const tokenUrl = input.tokenUrl ?? knownTokenUrl;
  if (rotator === 'oauth2-refresh' && tokenUrl === undefined) {
    problems.push({
      rule: 'missing-key',
      path: at,
      message: "an oauth2-refresh credential needs the provider's token endpoint",
      fix: 'add tokenUrl, e.g. https://api.hubapi.com/oauth/v1/token',
    });
  }
  for (const key of ['tokenUrl', 'revocationUrl'] as const) {
    const url = input[key];
    if (url === undefined) continue;
    if (key === 'tokenUrl' ? !TOKEN_ROTATORS.includes(rotator) : rotator !== 'oauth2-refresh') {
      problems.push({
        rule: 'unused-setting',
        path: [...at, key],
        value: url,
        message: `${key} applies only to rotator ${key === 'tokenUrl' ? 'oauth2-refresh or github-app' : 'oauth2-refresh'}, not ${rotator}`,
        fix: `remove ${key}, or set rotator: oauth2-refresh`,
      });
      continue;
    }
    const why = urlProblem(url);
    if (why)
      problems.push({
        rule: 'invalid-value',
        path: [...at, key],
        value: url,
        message: `${key} ${why}`,
        fix:
          key === 'tokenUrl'
            ? "write the provider's token endpoint, e.g. https://api.hubapi.com/oauth/v1/token"
            : "write the provider's RFC 7009 revocation endpoint, e.g. https://oauth2.googleapis.com/revoke",
      });
  }
  if (input.management !== undefined && !SAFE_NAME.test(input.management)) {
    problems.push({
      rule: 'invalid-name',
      path: [...at, 'management'],
      value: input.management,
      message: 'management must name a secret: lowercase letters, digits and single dashes',
      fix: `write e.g. management: ${defaultManagementSecret(name)}`,
    });
  }
  const base = {
    name,
    rotator,
    ...(tokenUrl !== undefined ? { tokenUrl } : {}),
    ...(input.revocationUrl !== undefined && rotator === 'oauth2-refresh' ? { revocationUrl: input.revocationUrl } : {}),
    store: input.store ?? 'vault',
    ...(input.rotator !== undefined ? { rotatorWritten: true } : {}),
  } as const;
  return { credential: completed(name, base, ctx, input.management), problems, unused: !used };
}

/** The settings of a credential the table does not configure: its provider's defaults, else kept in Vault and rotated by hand. */
export function defaultCredential(name: string, ctx: CredentialContext = {}): Credential {
  return completed(name, { name, rotator: 'manual', store: 'vault', ...defaultRotation(ctx) }, ctx);
}
