/**
 * Shapes of credentials that must never appear as literals in Terraform JSON,
 * each anchored on a prefix its issuer documents, so that ordinary strings
 * (hashes, ids, ARNs) do not match.
 */
export const SECRET_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/ },
  { name: 'Vault token', pattern: /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/ },
  { name: 'GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/ },
  { name: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: 'Slack webhook URL', pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,}/ },
  { name: 'SendGrid API key', pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/ },
  { name: 'OpenAI or Anthropic API key', pattern: /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}/ },
  { name: 'Stripe live key', pattern: /\b[rs]k_live_[A-Za-z0-9]{16,}/ },
  { name: 'HubSpot private app token', pattern: /\bpat-(?:na|eu)\d-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/ },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'private key', pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/ },
  { name: 'JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
  { name: 'URL with user info (a password in the URL)', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@]+@[^\s/?#]/i },
];

/** Argument names that hold a secret value; a literal there is a secret in the repository. */
export const SECRET_ARGUMENT = /(?:^|_)(?:password|secret|secret_key|access_key|token|client_secret|private_key|api_key)$/;

/** A value shown without revealing it: its first four characters and its length. */
export function redact(value: string): string {
  return `${value.slice(0, 4)}… (${value.length} characters)`;
}

/** The first secret-shaped part of `text`: which kind, and the part itself; `undefined` when there is none. */
export function secretIn(text: string): { readonly name: string; readonly match: string } | undefined {
  for (const { name, pattern } of SECRET_PATTERNS) {
    const m = pattern.exec(text);
    if (m) return { name, match: m[0] };
  }
  return undefined;
}

const GLOBAL_PATTERNS = SECRET_PATTERNS.map((p) => new RegExp(p.pattern.source, `${p.pattern.flags}g`));

/** `text` with every secret-shaped part replaced by its {@link redact}ed form. */
export function redactSecrets(text: string): string {
  return GLOBAL_PATTERNS.reduce((out, pattern) => out.replace(pattern, (m) => redact(m)), text);
}
