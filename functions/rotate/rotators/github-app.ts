import { GITHUB_API, mintInstallationToken } from '../../shared/github-app';
import { RotationError, Rotator } from './rotator';

/**
 * GitHub App installation tokens (see functions/shared/github-app.ts): the
 * nightly rotation mints a fresh installation token from the App's private
 * key and stores it with its expiry (`token`, `expires_at`); the gateway mints
 * the next one itself whenever the stored one is within a minute of expiring,
 * so no token the agent's calls carry lives longer than GitHub's hour. The
 * previous token expires by itself: nothing to retire.
 *
 * @param now the clock
 */
export function githubAppRotator(now: () => Date = () => new Date()): Rotator {
  return {
    automatic: true,
    async rotate(current, credential, fetchFn) {
      try {
        const minted = await mintInstallationToken(current, credential.tokenUrl ?? `${GITHUB_API}/app/installations`, fetchFn, () => now().getTime());
        return { ...current, token: minted.token, expires_at: new Date(minted.expiresAt).toISOString() };
      } catch (e) {
        throw new RotationError(`${credential.name}: ${(e as Error).message}`);
      }
    },
  };
}
