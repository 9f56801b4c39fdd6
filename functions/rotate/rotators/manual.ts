import { Rotator } from './rotator';

/**
 * Credentials no provider API rotates (or none is configured for): the job
 * logs that the credential needs rotating by hand and changes nothing. Not a
 * failure: the runbook says how to rotate it.
 */
export const manualRotator: Rotator = {
  automatic: false,
  async rotate(current) {
    return current;
  },
};
