/**
 * The rule pack `scoped-agents check` runs: declarative metadata over one
 * rule a file, in the manner of cdk-nag packs.
 */
import { agentAlarms } from './agent-alarms';
import { encryptedLogsAndTopics } from './encrypted-logs-and-topics';
import { noLiteralSecret } from './no-literal-secret';
import { noVaultGlobPath } from './no-vault-glob-path';
import { noVaultSudoOrSys } from './no-vault-sudo-or-sys';
import { noWildcardAction } from './no-wildcard-action';
import { noWildcardResource } from './no-wildcard-resource';
import { oneCredentialSetPerAgent } from './one-credential-set-per-agent';
import { rotationManual } from './rotation-manual';
import { rotationScheduled } from './rotation-scheduled';
import { saasCallsThroughGateway } from './saas-calls-through-gateway';
import { Rule } from './rule';
import { tokenTtlWithinCeilings } from './token-ttl-within-ceilings';

export * from './check';
export * from './check-formats';
export * from './rule';
export * from './suppressions';
export {
  agentAlarms,
  encryptedLogsAndTopics,
  noLiteralSecret,
  noVaultGlobPath,
  noVaultSudoOrSys,
  noWildcardAction,
  noWildcardResource,
  oneCredentialSetPerAgent,
  rotationManual,
  rotationScheduled,
  saasCallsThroughGateway,
  tokenTtlWithinCeilings,
};

/** Every rule, in the order reports list them: least privilege, credentials, monitoring, data protection. */
export const RULES: readonly Rule[] = [
  noWildcardAction,
  noWildcardResource,
  noVaultSudoOrSys,
  noVaultGlobPath,
  tokenTtlWithinCeilings,
  oneCredentialSetPerAgent,
  rotationScheduled,
  rotationManual,
  agentAlarms,
  saasCallsThroughGateway,
  noLiteralSecret,
  encryptedLogsAndTopics,
];
