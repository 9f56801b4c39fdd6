/**
 * What people read beside the synthesized stacks: each agent's one-page
 * runbook and its platform snippets, rendered from the model. Pure.
 */
export * from './agent-documents';
export * from './runbook';
export * from './snippets';
