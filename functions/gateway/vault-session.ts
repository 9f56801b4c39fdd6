/**
 * The gateway's own Vault session: logged in with its AppRole role on first
 * use, and again when Vault refuses the token (it expired), once a request.
 */
import { Vault, VaultResponse } from '../shared/vault';

/** Reads through the gateway's own login. */
export interface VaultReader {
  /** `GET /v1/<path>`: 200 and 404 are answers; anything else throws, naming the path and status. */
  read(path: string): Promise<VaultResponse>;
}

/** A session that logs in with `login` lazily and again on a 403. */
export function vaultSession(login: () => Promise<Vault>): VaultReader {
  let session: Promise<Vault> | undefined;
  const current = (): Promise<Vault> => {
    session ??= login().catch((e) => {
      session = undefined;
      throw e;
    });
    return session;
  };
  return {
    async read(path) {
      let vault = await current();
      let res = await vault.request('GET', path);
      if (res.status === 403) {
        session = undefined;
        vault = await current();
        res = await vault.request('GET', path);
      }
      if (res.status !== 200 && res.status !== 404) throw new Error(`the gateway's Vault read of ${path} answered HTTP ${res.status}`);
      return res;
    },
  };
}
