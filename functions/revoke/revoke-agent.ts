/**
 * The revocation itself: cut one agent off in Vault and AWS. Pure of any
 * environment — the Vault client, IAM client, clock and logger are parameters —
 * so tests run it against a real OpenBao and moto.
 */
import { IAMClient, NoSuchEntityException, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AGENT_PREFIX } from '../../model/fleet';
import type { AlarmKind } from '../../model/operations';
import { revocationMarker, revokedSessionsPolicyName } from '../../model/operations';
import { isProvider, managementEntry, PROVIDER_FACTS } from '../../model/providers';
import { destroySecretId, secretIdAccessors } from '../shared/approle';
import { CredentialConfig, credentialValueFrom } from '../shared/credentials';
import { errorMessage, Logger } from '../shared/log';
import { mapWithLimit } from '../shared/parallel';
import { Fetch, Vault, VaultError } from '../shared/vault';
import { ProviderError, REVOKER_IMPLEMENTATIONS, RETRY_DELAYS_MS, withRetry } from './revokers';

/** Where the fleet's backends are mounted. */
export interface RevokeSettings {
  readonly fleet: string;
  readonly kvMount: string;
  readonly appRoleMount: string;
  /** Every SaaS credential of the fleet, with its revoker at the provider (`CREDENTIALS`). */
  readonly credentials?: Readonly<Record<string, CredentialConfig>>;
}

/** What the revocation needs from the world. */
export interface RevokeDeps {
  /** Logged in with the revoke function's own policy (`revokerVaultPolicy`). */
  readonly vault: Vault;
  readonly iam: IAMClient;
  readonly now: () => Date;
  readonly log: Logger;
  /** For the providers' revocation endpoints. @default the global fetch */
  readonly fetch?: Fetch;
  /** Backoff between attempts at a provider. @default RETRY_DELAYS_MS */
  readonly retryDelays?: readonly number[];
}

/**
 * How one of the agent's SaaS credentials fared at its provider:
 * `revoked` there, `nothing-to-revoke` (revoked already, or unknown there),
 * `failed` (with the provider's status), or `by-hand` (no revoker: a person
 * revokes it at the provider's console).
 */
export interface ProviderRevocation {
  readonly credential: string;
  /** The provider's name (`SendGrid`), or the credential's own when it is not a built-in one. */
  readonly provider: string;
  readonly outcome: 'revoked' | 'nothing-to-revoke' | 'failed' | 'by-hand';
  /** The call and its answer, the error, or why it is by hand. */
  readonly detail: string;
  /** The provider's HTTP status, when it answered with a failure. */
  readonly status?: number;
  /** Where a person revokes or replaces it by hand. */
  readonly console?: string;
}

/** The alarm that caused the revocation. */
export interface RevokeCause {
  readonly alarm: string;
  readonly kind: AlarmKind;
  readonly reason: string;
  /** When the alarm changed state, ISO 8601. */
  readonly alarmTime: string;
}

/** What one revocation did. */
export interface Revocation {
  readonly agent: string;
  readonly fleet: string;
  readonly cause: RevokeCause;
  /** ISO 8601, seconds precision: older AWS sessions are denied. */
  readonly revokedAt: string;
  /** `emptied` (now grants nothing), or `absent` (Vault has no policy of that name). */
  readonly policy: 'emptied' | 'absent';
  readonly secretIdsDestroyed: number;
  /** `present`: the agent logs in with its AppRole role; `absent`: it has none (a GitHub Actions agent's OIDC login). */
  readonly appRole: 'present' | 'absent';
  readonly tokensRevoked: number;
  /** `denied-older-sessions` (the inline deny is on the role), or `absent` (no IAM role of that name). */
  readonly awsRole: 'denied-older-sessions' | 'absent';
  /** Name of the inline deny policy on the IAM role. */
  readonly denyPolicyName: string;
  /** Each of the agent's SaaS credentials at its provider, by credential name. */
  readonly providers: readonly ProviderRevocation[];
  /** Steps that failed, each with why; the others still ran. Empty when the revocation is complete. */
  readonly problems: readonly string[];
}

/** The policy an agent's Vault policy is replaced with: comments only, so it grants nothing. */
export function revokedVaultPolicy(agent: string, cause: RevokeCause, revokedAt: string): string {
  const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');
  return [
    `# REVOKED by scoped-agents at ${revokedAt}: alarm ${oneLine(cause.alarm)} (${cause.kind}) went to ALARM.`,
    `# This policy grants nothing: every token of agent ${agent} is denied every path.`,
    '# To re-enable the agent, follow the revocation message (or its runbook); `cdktf deploy` restores the generated policy.',
    '',
  ].join('\n');
}

/**
 * The inline IAM policy that revokes every session of the role issued before
 * `revokedAt`: AWS's documented way to revoke a role's temporary credentials
 * (the console's "Revoke active sessions" writes the same statement).
 */
export function denyOlderSessionsPolicy(revokedAt: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RevokeOlderSessions',
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': revokedAt } },
      },
    ],
  };
}

/** `now` rounded up to the next whole second: a session issued in the same second as the revocation is still denied. */
function revocationTime(now: Date): string {
  return new Date(Math.ceil(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Cuts `agent` off, in an order that leaves no gap:
 * 1. record the revocation marker first, so a rotation running now refuses
 *    (rotate checks it again after minting a secret-id);
 * 2. replace the agent's Vault policy with one that grants nothing: every
 *    live token loses every path at once;
 * 3. destroy every secret-id of its AppRole role: no new login;
 * 4. revoke its live tokens (found by the login's `role_name` metadata or its
 *    policy), after step 3 so no login can slip in between;
 * 5. deny its IAM role every action for sessions issued before now;
 * 6. revoke each of its SaaS credentials at the provider, through the
 *    credential's revoker (one failing provider does not stop the others),
 *    and record how each fared at the marker.
 *
 * Each step runs even when an earlier one failed; failures are returned in
 * `problems`. Every step is idempotent: running it twice is harmless.
 */
export async function revokeAgent(deps: RevokeDeps, settings: RevokeSettings, agent: string, cause: RevokeCause): Promise<Revocation> {
  const { vault, log } = deps;
  const name = `${AGENT_PREFIX}${agent}`;
  const revokedAt = revocationTime(deps.now());
  const denyPolicyName = revokedSessionsPolicyName(agent);
  const problems: string[] = [];
  const step = async <T>(what: string, fallback: T, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      problems.push(`${what}: ${errorMessage(e)}`);
      log.error(`revoke ${agent}: ${what} failed`, { agent, error: errorMessage(e) });
      return fallback;
    }
  };

  const marker = {
    agent,
    alarm: cause.alarm,
    kind: cause.kind,
    reason: cause.reason,
    alarmTime: cause.alarmTime,
    revokedAt,
    revokedBy: 'scoped-agents revoke function',
  };
  const writeMarker = (data: object, what: string): Promise<void> =>
    step(what, undefined, async () => {
      await vault.call('POST', `${settings.kvMount}/data/${revocationMarker(agent)}`, { data }, [200], what);
    });
  await writeMarker(marker, 'record the revocation marker');

  const policy = await step<'emptied' | 'absent'>('empty the Vault policy', 'absent', async () => {
    const path = `sys/policies/acl/${name}`;
    const current = await vault.call('GET', path, undefined, [200, 404], `read policy ${name}`);
    if (current.status === 404) {
      // Never create a policy the fleet does not have: a 404 means no such agent in this Vault.
      log.warn(`revoke ${agent}: Vault has no policy ${name}; nothing to empty`, { agent });
      return 'absent';
    }
    await vault.call('PUT', path, { policy: revokedVaultPolicy(agent, cause, revokedAt) }, [200, 204], `empty policy ${name}`);
    return 'emptied';
  });

  let appRole: Revocation['appRole'] = 'present';
  const secretIdsDestroyed = await step('destroy the secret-ids', 0, async () => {
    const accessors = await secretIdAccessors(vault, settings.appRoleMount, name);
    if (accessors === undefined) appRole = 'absent';
    const destroyed = await mapWithLimit(accessors ?? [], 8, (a) => destroySecretId(vault, settings.appRoleMount, name, a));
    return destroyed.filter(Boolean).length;
  });

  const tokensRevoked = await step('revoke the live tokens', 0, () => revokeTokens(vault, name));

  const awsRole = await step<'denied-older-sessions' | 'absent'>('deny older AWS sessions', 'absent', async () => {
    try {
      await deps.iam.send(
        new PutRolePolicyCommand({ RoleName: name, PolicyName: denyPolicyName, PolicyDocument: JSON.stringify(denyOlderSessionsPolicy(revokedAt)) }),
      );
      return 'denied-older-sessions';
    } catch (e) {
      // An agent without aws: scopes has no IAM role.
      if (e instanceof NoSuchEntityException || (e as { name?: string }).name === 'NoSuchEntityException' || (e as { name?: string }).name === 'NoSuchEntity') {
        log.info(`revoke ${agent}: no IAM role ${name}; no AWS sessions to revoke`, { agent });
        return 'absent';
      }
      throw e;
    }
  });

  const providers = await revokeAtProviders(deps, settings, agent);
  for (const p of providers) if (p.outcome === 'failed') problems.push(`revoke ${p.credential} at ${p.provider}: ${p.detail}`);
  if (providers.length > 0) {
    const atProviders = providers.map((p) => ({ credential: p.credential, provider: p.provider, outcome: p.outcome, detail: p.detail }));
    await writeMarker({ ...marker, providers: atProviders }, 'record at the marker how each credential fared at its provider');
  }

  const revocation: Revocation = {
    agent,
    fleet: settings.fleet,
    cause,
    revokedAt,
    policy,
    secretIdsDestroyed,
    appRole,
    tokensRevoked,
    awsRole,
    denyPolicyName,
    providers,
    problems,
  };
  log.info(`revoked agent ${agent}`, { ...revocation, cause: undefined, alarm: cause.alarm, kind: cause.kind });
  return revocation;
}

/** Revokes every live token of role `name`; returns how many. */
async function revokeTokens(vault: Vault, name: string): Promise<number> {
  const list = await vault.call('LIST', 'auth/token/accessors', undefined, [200, 404], 'list token accessors');
  const accessors = ((list.body?.data?.keys ?? []) as unknown[]).map(String);
  const ours = await mapWithLimit(accessors, 8, async (accessor) => {
    const res = await vault.request('POST', 'auth/token/lookup-accessor', { accessor });
    if (res.status === 403) throw new VaultError('look up a token accessor', 'POST', 'auth/token/lookup-accessor', 403, res.body?.errors ?? []);
    // Any other refusal: the token expired or was revoked since the listing.
    if (res.status !== 200) return undefined;
    const data = res.body.data ?? {};
    const policies: string[] = [...(data.policies ?? []), ...(data.identity_policies ?? [])];
    // AppRole logins carry meta.role_name; JWT logins meta.role; either way the token holds the agent's policy.
    const mine = data.meta?.role_name === name || data.meta?.role === name || policies.includes(name);
    return mine ? accessor : undefined;
  });
  let revoked = 0;
  for (const accessor of ours) {
    if (accessor === undefined) continue;
    await vault.call('POST', 'auth/token/revoke-accessor', { accessor }, [200, 204], 'revoke a token');
    revoked++;
  }
  return revoked;
}

/**
 * Step 6 of {@link revokeAgent}: each credential of the fleet the agent has
 * an entry of, revoked at its provider with its revoker (retried with
 * backoff), or named for a person to revoke by hand.
 */
async function revokeAtProviders(deps: RevokeDeps, settings: RevokeSettings, agent: string): Promise<ProviderRevocation[]> {
  const out: ProviderRevocation[] = [];
  const credentials = Object.values(settings.credentials ?? {}).sort((a, b) => a.name.localeCompare(b.name));
  for (const c of credentials) {
    const facts = isProvider(c.provider) ? PROVIDER_FACTS[c.provider] : undefined;
    const provider = facts?.title ?? c.name;
    const console = facts?.console;
    const revokeByHand = `revoke by hand at ${provider}, here: ${console ?? `${provider}'s console`}`;
    const byHand = (why: string): ProviderRevocation => ({
      credential: c.name,
      provider,
      outcome: 'by-hand',
      detail: `${why}; ${revokeByHand}`,
      ...(console ? { console } : {}),
    });
    if (c.store === 'aws') {
      // Its copies are Secrets Manager secrets the revoke function may not read (nor tell whether this agent holds one).
      out.push(byHand(`if ${agent} holds one, it is kept in Secrets Manager, which the revoke function does not read`));
      continue;
    }
    try {
      const entry = await deps.vault.call('GET', `${settings.kvMount}/data/agents/${agent}/${c.name}`, undefined, [200, 404], `read ${c.name} of ${agent}`);
      // No entry: the agent has no such credential.
      if (entry.status === 404) continue;
      const revoker = c.revoker ? REVOKER_IMPLEMENTATIONS[c.revoker] : undefined;
      if (!revoker) {
        out.push(byHand(`${provider} has no revocation endpoint scoped-agents calls`));
        continue;
      }
      const value = credentialValueFrom(entry.body?.data?.data);
      let management: Record<string, string> | undefined;
      if (c.management) {
        const m = await deps.vault.call('GET', `${settings.kvMount}/data/${managementEntry(c.management)}`, undefined, [200, 404], `read ${c.management}`);
        management = m.status === 200 ? credentialValueFrom(m.body?.data?.data) : undefined;
      }
      const result = await withRetry(() => revoker(value, management, c, deps.fetch ?? fetch), deps.retryDelays ?? RETRY_DELAYS_MS);
      out.push({ credential: c.name, provider, outcome: result.outcome, detail: result.detail, ...(console ? { console } : {}) });
      deps.log.info(`revoke ${agent}: ${c.name} ${result.outcome} at ${provider}`, { agent, credential: c.name, outcome: result.outcome });
    } catch (e) {
      const status = e instanceof ProviderError ? e.status : undefined;
      out.push({
        credential: c.name,
        provider,
        outcome: 'failed',
        detail: `${errorMessage(e)}; ${revokeByHand}`,
        ...(status !== undefined ? { status } : {}),
        ...(console ? { console } : {}),
      });
      deps.log.error(`revoke ${agent}: ${c.name} not revoked at ${provider}`, { agent, credential: c.name, error: errorMessage(e) });
    }
  }
  return out;
}
