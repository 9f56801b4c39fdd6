import type { RotatorName } from '../../../model/fleet';
import { manualRotator } from './manual';
import { oauth2RefreshRotator } from './oauth2-refresh';
import { Rotator } from './rotator';
import { githubAppRotator } from './github-app';
import { OPENAI_API, openaiServiceAccountRotator } from './openai-service-account';
import { SENDGRID_API, sendgridApiKeyRotator } from './sendgrid-api-key';

export * from './rotator';

/** Options of {@link rotators}. */
export interface RotatorOptions {
  /** SendGrid API base URL (the rotate handler passes `SENDGRID_API_URL`). @default https://api.sendgrid.com */
  readonly sendgridApiUrl?: string;
  /** OpenAI API base URL. @default https://api.openai.com */
  readonly openaiApiUrl?: string;
  /** @default the system clock */
  readonly now?: () => Date;
}

/** One rotator per provider API contract, by the name the table uses. */
export function rotators(options: RotatorOptions = {}): Record<RotatorName, Rotator> {
  const now = options.now ?? (() => new Date());
  return {
    manual: manualRotator,
    'oauth2-refresh': oauth2RefreshRotator(now),
    'sendgrid-api-key': sendgridApiKeyRotator(options.sendgridApiUrl ?? SENDGRID_API, now),
    'openai-service-account': openaiServiceAccountRotator(options.openaiApiUrl ?? OPENAI_API, now),
    'github-app': githubAppRotator(now),
  };
}
