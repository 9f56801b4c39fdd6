/**
 * The input: the agent table's schema, its YAML and Markdown loaders, and
 * its validation, which turns a table into a `Fleet` or reports every
 * problem at once, each with file, line, column and fix.
 */
export * from './load-fleet';
export * from './load-markdown';
export * from './load-table';
export * from './schema';
export * from './table-error';
export * from './table-source';
export * from './validate';
