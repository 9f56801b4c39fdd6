/**
 * The revocation message: names the agent and the alarm, says what was done,
 * and gives the exact steps to re-enable the agent. Logged and posted to the
 * team's webhook; the same steps (model/operations.ts) are in the agent's runbook.
 */
import { ReEnableStep, reEnableSteps, revocationMarker } from '../../model/operations';
import { clip, mrkdwnEscape, SlackBlock, SlackMessage } from '../shared/slack';
import { Revocation } from './revoke-agent';

/** The steps that undo a revocation, in order: the same as the agent's runbook gives (model/operations.ts). */
export function reEnableStepsOf(r: Revocation, kvMount: string): ReEnableStep[] {
  return reEnableSteps({
    fleet: r.fleet,
    agent: r.agent,
    kvMount,
    appRole: r.appRole === 'present',
    awsRole: r.awsRole === 'denied-older-sessions',
    revokedAt: r.revokedAt,
    providerCredentials: r.providers.map((p) => ({
      credential: p.credential,
      provider: p.provider,
      revoked: p.outcome !== 'by-hand' && p.outcome !== 'failed',
    })),
  });
}

/** How each SaaS credential fared at its provider, one line each. */
function providerLines(r: Revocation): string[] {
  return r.providers.map((p) => {
    switch (p.outcome) {
      case 'revoked':
        return `${p.credential}: revoked at ${p.provider} (${p.detail})`;
      case 'nothing-to-revoke':
        return `${p.credential}: nothing to revoke at ${p.provider} (${p.detail})`;
      case 'failed':
        return `${p.credential}: FAILED at ${p.provider}${p.status !== undefined ? ` (HTTP ${p.status})` : ''}: ${p.detail}`;
      case 'by-hand':
        return `${p.credential}: ${p.detail}`;
    }
  });
}

/** What was done, one line a step. */
function doneLines(r: Revocation): string[] {
  const role = `agent-${r.agent}`;
  return [
    r.policy === 'emptied' ? `Vault policy ${role} replaced with one that grants nothing` : `Vault has no policy ${role}: nothing to empty`,
    `${r.tokensRevoked} live Vault token(s) revoked`,
    r.appRole === 'present'
      ? `${r.secretIdsDestroyed} AppRole secret-id(s) destroyed: no new login`
      : 'no AppRole role (it logs in with its OIDC token): its new tokens carry the emptied policy',
    r.awsRole === 'denied-older-sessions'
      ? `AWS sessions of role ${role} issued before ${r.revokedAt} denied (inline policy ${r.denyPolicyName})`
      : `no IAM role ${role}: no AWS sessions to revoke`,
    `recorded at ${revocationMarker(r.agent)}`,
  ];
}

/** The message as plain text, complete on its own: what the log records. */
export function revocationText(r: Revocation, kvMount: string): string {
  const headline =
    r.problems.length === 0
      ? `Agent ${r.agent} was revoked automatically: alarm ${r.cause.alarm} (${r.cause.kind}).`
      : `Agent ${r.agent}: revocation INCOMPLETE after alarm ${r.cause.alarm} (${r.cause.kind}); finish it by hand.`;
  return [
    headline,
    `Reason: ${r.cause.reason}`,
    `Alarm time: ${r.cause.alarmTime}; revoked at ${r.revokedAt}.`,
    'Done:',
    ...doneLines(r).map((l) => `- ${l}`),
    ...(r.providers.length > 0 ? ['At the providers:', ...providerLines(r).map((l) => `- ${l}`)] : []),
    ...(r.problems.length > 0 ? ['FAILED:', ...r.problems.map((p) => `- ${p}`)] : []),
    'To re-enable the agent once the cause is understood:',
    ...reEnableStepsOf(r, kvMount).map((s, i) => `${i + 1}. ${s.what}: ${s.command}`),
  ].join('\n');
}

/**
 * The message as a Slack incoming-webhook payload: `text` (the plain text,
 * escaped: Slack reads it as mrkdwn too) and blocks.
 */
export function revocationMessage(r: Revocation, kvMount: string): SlackMessage {
  const steps = reEnableStepsOf(r, kvMount);
  const text = mrkdwnEscape(revocationText(r, kvMount));

  const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: clip(r.problems.length === 0 ? `Agent ${r.agent} revoked` : `Agent ${r.agent}: revocation incomplete`, 150) },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Agent*\n${mrkdwnEscape(r.agent)}` },
        { type: 'mrkdwn', text: `*Alarm*\n${mrkdwnEscape(r.cause.alarm)}` },
        { type: 'mrkdwn', text: `*Kind*\n${mrkdwnEscape(r.cause.kind)}` },
        { type: 'mrkdwn', text: `*Revoked at*\n${mrkdwnEscape(r.revokedAt)}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*Reason*\n${mrkdwnEscape(r.cause.reason)}`, 3000) } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clip(
          `*Done*\n${doneLines(r)
            .map((l) => `• ${mrkdwnEscape(l)}`)
            .join('\n')}`,
          3000,
        ),
      },
    },
    ...(r.providers.length > 0
      ? [
          {
            type: 'section' as const,
            text: {
              type: 'mrkdwn' as const,
              text: clip(
                `*At the providers*\n${providerLines(r)
                  .map((l) => `• ${mrkdwnEscape(l)}`)
                  .join('\n')}`,
                3000,
              ),
            },
          },
        ]
      : []),
    ...(r.problems.length > 0
      ? [
          {
            type: 'section' as const,
            text: { type: 'mrkdwn' as const, text: clip(`*Failed, finish by hand*\n${r.problems.map((p) => `• ${mrkdwnEscape(p)}`).join('\n')}`, 3000) },
          },
        ]
      : []),
    { type: 'divider' },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clip(
          `*To re-enable ${mrkdwnEscape(r.agent)}*, once the cause is understood:\n${steps.map((s, i) => `${i + 1}. ${mrkdwnEscape(s.what)}: ${code(mrkdwnEscape(s.command))}`).join('\n')}`,
          3000,
        ),
      },
    },
  ];
  return { text, blocks };
}
