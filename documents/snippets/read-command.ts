import { SecretReference } from '../../model/delivery';

/** The command that prints one referenced value, for the person who fills a platform's secret (never run by scoped-agents). */
export function readCommand(ref: Pick<SecretReference, 'source'>): string {
  const s = ref.source;
  return s.store === 'vault'
    ? `vault kv get -mount=${s.mount} -field=${s.field} ${s.path}`
    : `aws secretsmanager get-secret-value --secret-id ${s.name} --query SecretString --output text | jq -r .${s.field}`;
}
