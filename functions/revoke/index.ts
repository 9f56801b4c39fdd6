/**
 * The revoke function: subscribed to the fleet's alarm topic, it cuts an agent
 * off when one of its anomaly alarms (`REVOKING_ALARMS`) goes to ALARM, or
 * its orphan alarm when the table says `orphanAction: revoke` and the agent
 * has made a call before (one that never did is "never used", not revoked).
 * A thin shell: reads the environment, logs in to Vault with its own AppRole
 * role, and hands everything to {@link revokeAgent}.
 */
import { AlarmKind, deployedAlarmRevokes, parseAlarmName } from '../../model/operations';
import { lastCallTime } from '../shared/call-log';
import { alarmsFromSnsEvent, AlarmNotification, isoTime } from '../shared/alarm';
import { awsClients, loginFromSecret } from '../shared/aws';
import { credentialsFrom } from '../shared/credentials';
import { readEnv } from '../shared/env';
import { errorMessage, jsonLogger, Logger } from '../shared/log';
import { postToWebhook, webhookUrlFrom } from '../shared/slack';
import { Fetch, Vault } from '../shared/vault';
import { revocationMessage, revocationText } from './message';
import { revokeAgent, RevokeDeps, Revocation, RevokeSettings } from './revoke-agent';

/** An alarm this function acts on, with the agent it names. */
export interface RevokingAlarm {
  readonly agent: string;
  readonly alarm: AlarmNotification;
  readonly kind: AlarmKind;
}

/**
 * The alarms of `fleet` that call for a revocation: state ALARM, a name of ours
 * (`scoped-agents/<fleet>/<agent>/<kind>`) and a revoking kind (an orphan
 * alarm revokes when its description ends with `ORPHAN_REVOKES`).
 * Every other alarm is returned in `ignored` with why.
 */
export function revokingAlarms(alarms: readonly AlarmNotification[], fleet: string): { revoke: RevokingAlarm[]; ignored: string[] } {
  const revoke: RevokingAlarm[] = [];
  const ignored: string[] = [];
  for (const alarm of alarms) {
    const parsed = parseAlarmName(alarm.AlarmName);
    if (alarm.NewStateValue !== 'ALARM') ignored.push(`${alarm.AlarmName}: state ${alarm.NewStateValue}, not ALARM`);
    else if (!parsed) ignored.push(`${alarm.AlarmName}: not a scoped-agents alarm`);
    else if (parsed.fleet !== fleet) ignored.push(`${alarm.AlarmName}: another fleet's alarm (this is ${fleet})`);
    else if (parsed.kind === 'orphan' && !deployedAlarmRevokes(parsed.kind, alarm.AlarmDescription))
      ignored.push(`${alarm.AlarmName}: an orphan alarm only notifies (orphanAction: notify)`);
    else if (!deployedAlarmRevokes(parsed.kind, alarm.AlarmDescription)) ignored.push(`${alarm.AlarmName}: a ${parsed.kind} alarm only notifies`);
    else revoke.push({ agent: parsed.agent, alarm, kind: parsed.kind });
  }
  return { revoke, ignored };
}

/** Everything {@link handleRevokeEvent} needs; the handler builds it from the environment. */
export interface RevokeContext {
  readonly settings: RevokeSettings;
  /** Logs in lazily: an event with nothing to revoke needs no Vault login. */
  readonly login: () => Promise<Vault>;
  readonly iam: RevokeDeps['iam'];
  /** When the agent last made a call; `null` for never (its call log has none). */
  readonly lastCall: (agent: string) => Promise<Date | null>;
  /** The webhook URL, or `undefined` when notifications do not go to a webhook. */
  readonly webhookUrl: () => Promise<string | undefined>;
  readonly fetch: Fetch;
  readonly now: () => Date;
  readonly log: Logger;
}

/**
 * Handles one SNS event: revokes the agent of each revoking alarm, logs the
 * revocation message and posts it to the webhook.
 *
 * @throws after every alarm was handled, when a revocation is incomplete (so
 *   Lambda retries it; a repeat is harmless)
 */
export async function handleRevokeEvent(event: unknown, ctx: RevokeContext): Promise<Revocation[]> {
  const { alarms, unreadable } = alarmsFromSnsEvent(event);
  for (const u of unreadable) ctx.log.warn(`ignored: ${u}`);
  const { revoke: candidates, ignored } = revokingAlarms(alarms, ctx.settings.fleet);
  for (const i of ignored) ctx.log.info(`ignored: ${i}`);
  const revoke: RevokingAlarm[] = [];
  for (const c of candidates) {
    if (c.kind === 'orphan' && (await ctx.lastCall(c.agent)) === null) {
      ctx.log.info(`ignored: ${c.alarm.AlarmName}: ${c.agent} was never used (its call log has no call yet); not revoked`, {
        agent: c.agent,
        notice: 'never-used',
      });
    } else revoke.push(c);
  }
  if (revoke.length === 0) return [];

  const vault = await ctx.login();
  const revocations: Revocation[] = [];
  for (const { agent, alarm, kind } of revoke) {
    const cause = { alarm: alarm.AlarmName, kind, reason: alarm.NewStateReason, alarmTime: isoTime(alarm.StateChangeTime) };
    const revocation = await revokeAgent({ vault, iam: ctx.iam, now: ctx.now, log: ctx.log, fetch: ctx.fetch }, ctx.settings, agent, cause);
    revocations.push(revocation);
    const message = revocationMessage(revocation, ctx.settings.kvMount);
    ctx.log.info(revocationText(revocation, ctx.settings.kvMount), { agent, alarm: alarm.AlarmName, notice: 'revocation' });
    try {
      const url = await ctx.webhookUrl();
      if (url !== undefined) await postToWebhook(url, message, ctx.fetch);
    } catch (e) {
      // The revocation stands; the message is in the log above. Not a reason to revoke again.
      ctx.log.error(`revoke ${agent}: could not post the revocation message to the webhook`, { agent, error: errorMessage(e) });
    }
  }
  const incomplete = revocations.filter((r) => r.problems.length > 0);
  if (incomplete.length > 0) {
    throw new Error(`revocation incomplete for ${incomplete.map((r) => `${r.agent} (${r.problems.join('; ')})`).join(', ')}`);
  }
  return revocations;
}

/** Builds the context from the function's environment (`FunctionEnvironment`). */
export function revokeContextFrom(env: Readonly<Record<string, string | undefined>>, fetchFn: Fetch = fetch, log: Logger = jsonLogger()): RevokeContext {
  const e = readEnv(env, ['FLEET', 'VAULT_ADDR', 'KV_MOUNT', 'APPROLE_MOUNT', 'VAULT_LOGIN_SECRET_ARN'], ['WEBHOOK_SECRET_ARN', 'CREDENTIALS']);
  const aws = awsClients(env);
  return {
    settings: { fleet: e.FLEET, kvMount: e.KV_MOUNT, appRoleMount: e.APPROLE_MOUNT, credentials: credentialsFrom(e.CREDENTIALS) },
    login: () => loginFromSecret(aws.secrets, e.VAULT_LOGIN_SECRET_ARN, e.VAULT_ADDR, e.APPROLE_MOUNT, fetchFn, log),
    iam: aws.iam,
    lastCall: (agent) => lastCallTime(aws.logs, e.FLEET, agent),
    webhookUrl: async () => (e.WEBHOOK_SECRET_ARN ? webhookUrlFrom(aws.secrets, e.WEBHOOK_SECRET_ARN) : undefined),
    fetch: fetchFn,
    now: () => new Date(),
    log,
  };
}

/** Lambda entry point: an SNS event of CloudWatch alarm notifications. */
export async function handler(event: unknown): Promise<{ revoked: string[] }> {
  const revocations = await handleRevokeEvent(event, revokeContextFrom(process.env));
  return { revoked: revocations.map((r) => r.agent) };
}
