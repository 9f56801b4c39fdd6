import { SynthProgress } from '../../stacks/fleet-app';
import { CommandIO } from './io';

/** How long a command runs before it shows progress: a quick one stays quiet. */
export const PROGRESS_AFTER_MS = 1000;

/**
 * One line of progress on stderr, rewritten in place, for a person watching a
 * long command: shown only when stderr is a terminal (not `TERM=dumb`) and
 * only once the command has run for {@link PROGRESS_AFTER_MS}; dimmed unless
 * `NO_COLOR` is set; erased when the command ends, so the result line stands
 * alone. Piped, redirected or in CI it writes nothing.
 */
export class ProgressLine {
  private readonly enabled: boolean;
  private readonly start: number;
  private shown = false;

  constructor(private readonly io: CommandIO) {
    this.enabled = io.errIsTTY === true && io.env.TERM !== 'dumb' && io.now !== undefined;
    this.start = io.now?.() ?? 0;
  }

  /** Shows `text` as the line, if the command has run long enough. */
  update(text: string): void {
    if (!this.enabled || this.io.now!() - this.start < PROGRESS_AFTER_MS) return;
    const noColor = this.io.env.NO_COLOR !== undefined && this.io.env.NO_COLOR !== '';
    this.io.err(noColor ? `\r${text}\x1b[K` : `\r\x1b[2m${text}\x1b[22m\x1b[K`);
    this.shown = true;
  }

  /** Erases the line, if one was shown. */
  end(): void {
    if (this.shown) this.io.err('\r\x1b[K');
    this.shown = false;
  }
}

/** The progress line of `synth`: agents validated, then stacks built and written, then the runbooks. */
export function synthProgressText(agents: number, p: SynthProgress): string {
  const valid = `synth: ${agents} agents valid`;
  if (p.step === 'documents') return `${valid} · stacks written · runbooks and snippets of ${p.agents} agents written`;
  return `${valid} · ${p.done}/${p.total} stacks ${p.step} (${p.stack})`;
}
