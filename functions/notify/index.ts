/**
 * The notify function: subscribed to the fleet's alarm topic when the team is
 * notified through an incoming webhook (Slack), it posts each alarm state
 * change as a readable message. The URL lives in Secrets Manager.
 */
import { alarmsFromSnsEvent } from '../shared/alarm';
import { awsClients } from '../shared/aws';
import { readEnv } from '../shared/env';
import { errorMessage, jsonLogger, Logger } from '../shared/log';
import { postToWebhook, webhookUrlFrom } from '../shared/slack';
import { Fetch } from '../shared/vault';
import { alarmMessage } from './message';

/** Everything {@link handleNotifyEvent} needs. */
export interface NotifyContext {
  readonly webhookUrl: () => Promise<string>;
  readonly fetch: Fetch;
  readonly log: Logger;
}

/**
 * Posts one message per alarm notification in the SNS event.
 *
 * @throws after trying every alarm, when a post failed (so Lambda retries the event)
 */
export async function handleNotifyEvent(event: unknown, ctx: NotifyContext): Promise<number> {
  const { alarms, unreadable } = alarmsFromSnsEvent(event);
  for (const u of unreadable) ctx.log.warn(`ignored: ${u}`);
  if (alarms.length === 0) return 0;
  const url = await ctx.webhookUrl();
  const failures: string[] = [];
  for (const alarm of alarms) {
    try {
      await postToWebhook(url, alarmMessage(alarm), ctx.fetch);
      ctx.log.info(`posted ${alarm.AlarmName} ${alarm.NewStateValue}`, { alarm: alarm.AlarmName, state: alarm.NewStateValue });
    } catch (e) {
      failures.push(`${alarm.AlarmName}: ${errorMessage(e)}`);
      ctx.log.error(`could not post ${alarm.AlarmName}`, { alarm: alarm.AlarmName, error: errorMessage(e) });
    }
  }
  if (failures.length > 0) throw new Error(`could not post ${failures.length} alarm notification(s):\n- ${failures.join('\n- ')}`);
  return alarms.length;
}

/** Builds the context from the function's environment. */
export function notifyContextFrom(env: Readonly<Record<string, string | undefined>>, fetchFn: Fetch = fetch, log: Logger = jsonLogger()): NotifyContext {
  const e = readEnv(env, ['WEBHOOK_SECRET_ARN']);
  const aws = awsClients(env);
  return { webhookUrl: () => webhookUrlFrom(aws.secrets, e.WEBHOOK_SECRET_ARN), fetch: fetchFn, log };
}

/** Lambda entry point: an SNS event of CloudWatch alarm notifications. */
export async function handler(event: unknown): Promise<{ posted: number }> {
  return { posted: await handleNotifyEvent(event, notifyContextFrom(process.env)) };
}
