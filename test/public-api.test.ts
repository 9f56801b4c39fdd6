import { join, resolve } from 'path';
import * as ts from 'typescript';
import * as api from '../index';

/**
 * The public API is the package root's export list, pinned here: adding or
 * removing a name is a deliberate change to this test (and to the CHANGELOG).
 * Helpers (median, editDistance, trendText…) and the zod schemas stay internal.
 */

const ROOT = resolve(__dirname, '..');

const VALUES = [
  'AgentAwsRole',
  'AgentAwsSecret',
  'AgentFleet',
  'AgentGithubEnvironment',
  'AgentMonitoring',
  'AgentRotation',
  'AgentSecretEntry',
  'AgentShard',
  'AgentShardStack',
  'AgentVaultAccess',
  'CHECK_FORMATS',
  'FleetCore',
  'FleetOperations',
  'FleetRunbooks',
  'FleetSharedStack',
  'FleetStack',
  'GRAPH_FORMATS',
  'GithubActionsIdentity',
  'OutputError',
  'PLATFORMS',
  'ROTATORS',
  'RULES',
  'ScopedAgent',
  'SuppressionsError',
  'TableError',
  'UnsafeOutputError',
  'UsageReport',
  'VaultAuditTally',
  'accessFor',
  'accessMatrix',
  'agentAlarms',
  'buildFleetApp',
  'checkToCsv',
  'checkToJson',
  'checkToSarif',
  'checkToText',
  'diffMatrices',
  'encryptedLogsAndTopics',
  'loadFleet',
  'noLiteralSecret',
  'noVaultGlobPath',
  'noVaultSudoOrSys',
  'noWildcardAction',
  'noWildcardResource',
  'oneCredentialSetPerAgent',
  'parseSuppressions',
  'readOutput',
  'renderDiffJson',
  'renderDiffMarkdown',
  'renderGraph',
  'renderMatrixJson',
  'renderMatrixMarkdown',
  'resourceGraph',
  'rotationManual',
  'rotationScheduled',
  'runChecks',
  'runbookFor',
  'saasCallsThroughGateway',
  'shardsOf',
  'summarizeUsage',
  'synthesizeFleet',
  'tokenTtlWithinCeilings',
  'writeAgentDocuments',
];

const TYPES = [
  'AcceptedFinding',
  'Access',
  'AccessMatrix',
  'AccessRefs',
  'Agent',
  'AgentAccess',
  'AgentAction',
  'AgentAwsRoleProps',
  'AgentAwsSecretProps',
  'AgentFleetProps',
  'AgentGithubEnvironmentProps',
  'AgentMonitoringProps',
  'AgentOperations',
  'AgentRotationProps',
  'AgentSecretEntryProps',
  'AgentShardProps',
  'AgentShardStackProps',
  'AgentUsage',
  'AgentVaultAccessProps',
  'AlarmThresholds',
  'AwsRoleAccess',
  'AwsScope',
  'ChangeCategory',
  'ChangeClass',
  'CheckFormat',
  'CheckResult',
  'ControlMapping',
  'Credential',
  'CredentialLocation',
  'Finding',
  'Fleet',
  'FleetApp',
  'FleetAppOptions',
  'FleetCoreProps',
  'FleetOperationsProps',
  'FleetRunbooksProps',
  'FleetSettings',
  'FleetSharedStackProps',
  'FleetStackProps',
  'GithubActionsIdentityProps',
  'GraphEdge',
  'GraphFormat',
  'GraphNode',
  'HttpEndpoint',
  'IamPolicyDocument',
  'IamStatement',
  'OrphanAction',
  'Platform',
  'PrivilegeChange',
  'PrivilegeDiff',
  'Problem',
  'ResourceGraph',
  'RotatorName',
  'Rule',
  'RuleOutcome',
  'RunbookRepository',
  'SarifOptions',
  'Scope',
  'ScopedAgentProps',
  'SecretScope',
  'Shard',
  'ShardSettings',
  'SourcePosition',
  'StackOutput',
  'StateSettings',
  'Suppression',
  'SynthOutput',
  'SynthProgress',
  'SynthesizeFleetOptions',
  'TableFiles',
  'TerraformJson',
  'UsageInput',
  'VaultGrant',
  'VaultLogin',
  'VaultScope',
];

test('the package root exports exactly these values', () => {
  expect(Object.keys(api).sort()).toEqual([...VALUES].sort());
});

test('and exactly these values and types, as the TypeScript compiler sees the module', () => {
  const file = join(ROOT, 'index.ts');
  const program = ts.createProgram([file], { strict: true, noEmit: true, types: ['node'] });
  const checker = program.getTypeChecker();
  const names = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)!)!).map((s) => s.name);
  expect(names.sort()).toEqual([...VALUES, ...TYPES].sort());
});

test.each(['median', 'editDistance', 'trendText', 'TableSchema', 'AgentSchema', 'ScopeSchema', 'validateTable', 'formatCallLogLine'])(
  '%s stays internal',
  (name) => {
    expect(Object.keys(api)).not.toContain(name);
  },
);
