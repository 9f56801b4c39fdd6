/**
 * The revocation itself: cut one agent off in Vault and AWS. Pure of any
 * environment — the Vault client, IAM client, clock and logger are parameters —
 * so tests run it against a real OpenBao and moto.
 */
import { IAMClient, NoSuchEntityException, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AGENT_PREFIX } from '../../model/fleet';
import type { AlarmKind } from '../../model/operations';
import { revocationMarker, revokedSessionsPolicyName } from '../../model/operations';
import { destroySecretId, secretIdAccessors } from '../shared/approle';
import { errorMessage, Logger } from '../shared/log';
import { mapWithLimit } from '../shared/parallel';
import { Vault, VaultError } from '../shared/vault';

/** Where the fleet's backends are mounted. */
export interface RevokeSettings {
  readonly fleet: string;
  readonly kvMount: string;
  readonly appRoleMount: string;
}

/** What the revocation needs from the world. */
export interface RevokeDeps {
  /** Logged in with the revoke function's own policy (`revokerVaultPolicy`). */
  readonly vault: Vault;
  readonly iam: IAMClient;
  readonly now: () => Date;
  readonly log: Logger;
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
 * 5. deny its IAM role every action for sessions issued before now.
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

  await step('record the revocation marker', undefined, async () => {
    await vault.call(
      'POST',
      `${settings.kvMount}/data/${revocationMarker(agent)}`,
      {
        data: {
          agent,
          alarm: cause.alarm,
          kind: cause.kind,
          reason: cause.reason,
          alarmTime: cause.alarmTime,
          revokedAt,
          revokedBy: 'scoped-agents revoke function',
        },
      },
      [200],
      'record the revocation marker',
    );
  });

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
