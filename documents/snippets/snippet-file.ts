/** One generated file beside the synthesized output, under `agents/<agent>/`. */
export interface SnippetFile {
  /** File name, e.g. `snippet.json`. */
  readonly name: string;
  readonly content: string;
}
