import { Problem, SourcePosition } from '../model/problem';

/** A path into the raw table document, e.g. `['agents', 0, 'actions', 1, 'scopes', 0]`. */
export type DocPath = readonly (string | number)[];

/**
 * A raw table document as a loader read it, with a way back to the source.
 *
 * Loaders only parse; they do not judge. `validate.ts` turns a source into a
 * `Fleet`, and uses `locate` to say where each problem is.
 */
export interface TableSource {
  /** The document as plain data: `{ version, fleet, defaults, scopes, agents }`. */
  readonly data: unknown;
  /** The files the document was read from, in the order given. */
  readonly files: readonly string[];
  /**
   * Problems the loader found that leave the document readable (an unknown
   * Markdown column): validation reports them with its own, all at once.
   * @default - none
   */
  readonly problems?: readonly Problem[];
  /**
   * Where a path is written. With `key`, the position of the map key rather than
   * its value (for unknown keys). Falls back to the nearest written ancestor.
   */
  locate(path: DocPath, key?: boolean): SourcePosition;
}
