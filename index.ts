/**
 * scoped-agents: what users may rely on. Everything not exported here may change.
 */
export * from './table';
export * from './model';
export * from './documents';
export * from './review';
export * from './review/rules';
export * from './constructs';
export { FleetStack } from './stacks/fleet-stack';
export type { FleetStackProps } from './stacks/fleet-stack';
export { AgentShardStack, FleetSharedStack } from './stacks/shard-stacks';
export type { AgentShardStackProps, FleetSharedStackProps } from './stacks/shard-stacks';
export { buildFleetApp } from './stacks/fleet-app';
export type { FleetApp, FleetAppOptions } from './stacks/fleet-app';
export { writeAgentDocuments } from './stacks/agent-documents';
