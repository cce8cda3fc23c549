/**
 * Websheet links are single-purpose and revocable (docs/security.md § Websheet tokens; issue 13
 * item 13). Each ServiceFlow_UserData token names a grant (`jti`) kept per IMSI in the
 * `websheet_grants` collection: the token is honoured only while the subscriber's grant has that
 * id, for that app, and has not expired. A submit, a TS.43 token revoke, the removal of the
 * subscriber or of their entitlement overrides delete the grant, so every link issued before stops
 * working. One grant per IMSI: re-polling phones get the same link back while more than
 * REUSE_MIN_SECONDS of it remain, so a page the user has open is not cut off by the next poll.
 */
import type { Clock, Collection, Store } from '../../ports.js';
import { openCollection } from '../../store/collections.js';

export interface WebsheetGrant {
  imsi: string;
  app: string;
  jti: string;
  /** Unix seconds. */
  exp: number;
  issued_at: number;
}

/** A grant with less than this left is replaced by a new one at the next issue. */
export const REUSE_MIN_SECONDS = 3600;

export class WebsheetGrants {
  readonly #coll: Collection<WebsheetGrant>;
  constructor(store: Store, private readonly clock: Clock, private readonly newId: () => string) {
    this.#coll = openCollection<WebsheetGrant>(store, 'websheet_grants');
  }

  /** The subscriber's current grant for `app`, or a new one valid `seconds`. */
  async issue(imsi: string, app: string, seconds: number): Promise<Readonly<WebsheetGrant>> {
    const now = Math.floor(this.clock.now() / 1000);
    const reusable = (g: WebsheetGrant | undefined): g is WebsheetGrant => !!g && g.app === app && g.exp - now > REUSE_MIN_SECONDS;
    // Every poll of a phone lands here: a plain read answers it while the grant lasts (no per-key queue, no new id).
    const held = await this.#coll.getShared(imsi);
    if (reusable(held)) return held;
    return this.#coll.update(imsi, (cur) => {
      if (reusable(cur)) return { result: cur };
      const fresh: WebsheetGrant = { imsi, app, jti: this.newId(), exp: now + seconds, issued_at: now };
      return { result: fresh, put: fresh };
    });
  }

  /** Is this (imsi, app, jti) the live grant? */
  async check(imsi: string, app: string, jti: string): Promise<boolean> {
    const g = await this.#coll.getShared(imsi);
    return !!g && g.app === app && g.jti === jti && g.exp > Math.floor(this.clock.now() / 1000);
  }

  /** Used up or withdrawn: every link issued for this subscriber stops working. */
  async revoke(imsi: string): Promise<void> {
    await this.#coll.delete(imsi);
  }

  /** Deletes the grant only if it is still `jti` (a submit racing a new issue keeps the new one). */
  async consume(imsi: string, jti: string): Promise<boolean> {
    return this.#coll.update(imsi, (cur) => (cur && cur.jti === jti ? { result: true, delete: true } : { result: false }));
  }
}
