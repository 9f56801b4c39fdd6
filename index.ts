/**
 * scoped-agents: what users may rely on. Everything not exported here is
 * internal and may change in any release; `test/public-api.test.ts` pins
 * this list, so a change to it is a deliberate one.
 */

// The table: load and validate it (every problem at once, or a Fleet).
export { loadFleet } from './table/load-fleet';
export type { TableFiles } from './table/load-table';
export { TableError } from './table/table-error';
export type { Problem, SourcePosition } from './model/problem';
export { PLATFORMS, ROTATORS } from './model/fleet';
export type {
  Agent,
  AgentAction,
  AlarmThresholds,
  AwsScope,
  Credential,
  Fleet,
  FleetSettings,
  OrphanAction,
  Platform,
  RotatorName,
  RunbookRepository,
  Scope,
  SecretScope,
  ShardSettings,
  StateSettings,
  VaultScope,
} from './model/fleet';

// What one agent may do, in one answer: its Vault login and grants, AWS role, secrets, gateway endpoints.
export { accessFor } from './model/access';
export type { Access, AccessRefs, AwsRoleAccess, CredentialLocation, VaultLogin } from './model/access';
export type { VaultGrant } from './model/vault-policy';
export type { IamPolicyDocument, IamStatement } from './model/iam-policy';
export type { HttpEndpoint } from './model/http-grants';

// The constructs.
export { AgentFleet } from './constructs/agent-fleet';
export type { AgentFleetProps } from './constructs/agent-fleet';
export { ScopedAgent } from './constructs/scoped-agent';
export type { ScopedAgentProps } from './constructs/scoped-agent';
export { AgentShard } from './constructs/agent-shard';
export type { AgentShardProps } from './constructs/agent-shard';
export { AgentVaultAccess } from './constructs/agent-vault-access';
export type { AgentVaultAccessProps } from './constructs/agent-vault-access';
export { AgentAwsRole } from './constructs/agent-aws-role';
export type { AgentAwsRoleProps } from './constructs/agent-aws-role';
export { AgentAwsSecret } from './constructs/agent-aws-secret';
export type { AgentAwsSecretProps } from './constructs/agent-aws-secret';
export { AgentSecretEntry } from './constructs/agent-secret-entry';
export type { AgentSecretEntryProps } from './constructs/agent-secret-entry';
export { AgentRotation } from './constructs/agent-rotation';
export type { AgentRotationProps } from './constructs/agent-rotation';
export { AgentMonitoring } from './constructs/agent-monitoring';
export type { AgentMonitoringProps } from './constructs/agent-monitoring';
export { AgentGithubEnvironment } from './constructs/agent-github-environment';
export type { AgentGithubEnvironmentProps } from './constructs/agent-github-environment';
export { GithubActionsIdentity } from './constructs/github-actions-identity';
export type { GithubActionsIdentityProps } from './constructs/github-actions-identity';
export { FleetCore } from './constructs/fleet-core';
export type { FleetCoreProps } from './constructs/fleet-core';
export { FleetOperations } from './constructs/fleet-operations';
export type { AgentOperations, FleetOperationsProps } from './constructs/fleet-operations';
export { FleetRunbooks } from './constructs/fleet-runbooks';
export type { FleetRunbooksProps } from './constructs/fleet-runbooks';

// Whole stacks and apps, as `scoped-agents synth` builds them.
export { FleetStack } from './stacks/fleet-stack';
export type { FleetStackProps } from './stacks/fleet-stack';
export { AgentShardStack, FleetSharedStack } from './stacks/shard-stacks';
export type { AgentShardStackProps, FleetSharedStackProps } from './stacks/shard-stacks';
export { buildFleetApp } from './stacks/fleet-app';
export type { FleetApp, FleetAppOptions, SynthProgress } from './stacks/fleet-app';
export { shardsOf } from './model/shards';
export type { Shard } from './model/shards';
export { synthesizeFleet, UnsafeOutputError } from './stacks/synthesize-fleet';
export type { SynthesizeFleetOptions } from './stacks/synthesize-fleet';
export { writeAgentDocuments } from './stacks/agent-documents';
export { runbookFor } from './documents/runbook';

// The reviews over a synthesized output (`cdktf.out`): report, diff, graph, check, usage.
export { readOutput } from './review/read-output';
export { OutputError } from './review/synth-output';
export type { StackOutput, SynthOutput, TerraformJson } from './review/synth-output';
export { accessMatrix } from './review/access-matrix';
export type { AccessMatrix, AgentAccess } from './review/access-matrix';
export { renderMatrixJson, renderMatrixMarkdown } from './review/report';
export { diffMatrices } from './review/diff';
export type { ChangeCategory, ChangeClass, PrivilegeChange, PrivilegeDiff } from './review/diff';
export { renderDiffJson, renderDiffMarkdown } from './review/diff-report';
export { resourceGraph } from './review/graph';
export type { GraphEdge, GraphNode, ResourceGraph } from './review/graph';
export { GRAPH_FORMATS, renderGraph } from './review/graph-formats';
export type { GraphFormat } from './review/graph-formats';
export { runChecks } from './review/rules/check';
export type { AcceptedFinding, CheckResult, RuleOutcome } from './review/rules/check';
export { CHECK_FORMATS, checkToCsv, checkToJson, checkToSarif, checkToText } from './review/rules/check-formats';
export type { CheckFormat, SarifOptions } from './review/rules/check-formats';
export { parseSuppressions, SuppressionsError } from './review/rules/suppressions';
export type { Suppression } from './review/rules/suppressions';
export { summarizeUsage, UsageReport } from './model/usage';
export type { AgentUsage, UsageInput } from './model/usage';
export { VaultAuditTally } from './review/vault-audit-log';

// The rules `check` runs, one by one and as the pack.
export {
  agentAlarms,
  encryptedLogsAndTopics,
  noLiteralSecret,
  noVaultGlobPath,
  noVaultSudoOrSys,
  noWildcardAction,
  noWildcardResource,
  oneCredentialSetPerAgent,
  rotationScheduled,
  rotationManual,
  RULES,
  saasCallsThroughGateway,
  tokenTtlWithinCeilings,
} from './review/rules';
export type { ControlMapping, Finding, Rule } from './review/rules/rule';
