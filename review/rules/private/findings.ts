import { Finding } from '../rule';
import { StackView, TerraformBlock } from '../../terraform';

/** Builds findings of one rule in one stack, with the resource named as reports name it. */
export function findingsFor(rule: string, view: StackView) {
  return {
    /** A finding about a block of the stack. */
    at(block: TerraformBlock, f: { agent?: string; grant?: string; message: string; fix: string }): Finding {
      return { rule, ...view.originOf(block), resource: view.label(block), address: block.address, ...f };
    },
    /** A finding about something an agent lacks. */
    missing(agent: string, f: { grant?: string; message: string; fix: string }): Finding {
      return { rule, stack: view.name, file: view.file, resource: `agent/${agent}`, agent, ...f };
    },
  };
}
