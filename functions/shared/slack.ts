/**
 * Slack incoming-webhook messages: a `text` (the notification's fallback and
 * what screen readers announce) and Block Kit `blocks`.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readJsonSecret } from './aws';
import { Fetch } from './vault';

/** A plain-text or mrkdwn text object. */
export interface SlackText {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
}

/** The Block Kit blocks these functions send. */
export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText & { readonly type: 'plain_text' } }
  | { readonly type: 'section'; readonly text?: SlackText; readonly fields?: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] }
  | { readonly type: 'divider' };

/** An incoming-webhook payload. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks?: readonly SlackBlock[];
}

/** Escapes the three characters Slack's mrkdwn gives meaning to (`&`, `<`, `>`), so no text becomes a link or mention. */
export function mrkdwnEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts `text` to `max` characters (Block Kit limits), marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `https://…`, or `http://` to a loopback address (a local test server); anything else is refused. */
function checkWebhookUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the webhook secret\'s "url" is not a URL');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new Error(`the webhook URL must use https (got ${parsed.protocol}//${parsed.hostname})`);
  }
}

/** Reads the webhook URL from the secret `{ "url": … }` at `secretArn`. */
export async function webhookUrlFrom(secrets: SecretsManagerClient, secretArn: string): Promise<string> {
  const value = await readJsonSecret(secrets, secretArn, 'the webhook secret');
  if (typeof value.url !== 'string' || value.url === '')
    throw new Error(`the webhook secret ${secretArn} must hold JSON { "url": "https://hooks.slack.com/…" }`);
  checkWebhookUrl(value.url);
  return value.url;
}

/**
 * Posts `message` to an incoming webhook.
 *
 * @throws when the webhook does not answer 2xx (quoting Slack's error code, e.g. `invalid_payload`)
 */
export async function postToWebhook(url: string, message: SlackMessage, fetchFn: Fetch = fetch): Promise<void> {
  checkWebhookUrl(url);
  const res = await fetchFn(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`the webhook answered HTTP ${res.status}: ${body.slice(0, 200)}`);
}
