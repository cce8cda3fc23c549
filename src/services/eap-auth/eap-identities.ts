/**
 * Pseudonyms and fast re-authentication identities of the built-in AAA (RFC 4187 §4.1.1.7, §5;
 * docs/eap-aka.md § Pseudonyms and fast re-authentication), kept in the `eap_identities` collection
 * (kind state) so they survive restarts and are shared by every daemon on the same store:
 *
 *   p:<pseudonym username>  → { imsi, expires_at }
 *   r:<re-auth username>    → { imsi, variant, counter, keys (sealed), expires_at }
 *   i:<IMSI>                → { pseudonym, reauth_id }   the live ones, so a new issue deletes the old
 *
 * A re-auth identity is single-use: resolve() takes it with one atomic update that deletes it, so two
 * daemons (or a replayed response) can never both re-authenticate with it. The counter travels with
 * the record and only grows: the next record is written with the counter just used. K_encr, K_aut and
 * MK / K_re are sealed (AES-256-GCM, src/crypto/seal.ts) under `sealKey`, with the record's key as
 * associated data; a record that does not open (another cluster secret, or a random per-process key
 * after a restart) means full authentication, never an error.
 */
import { parseIdentity, type AkaVariant } from '../../aka/identity.js';
import type { ReauthKeys } from '../../fsm/eap-aka-common.js';
import type { EapIdentityPort } from '../../fsm/eap-aka-driver.js';
import type { IdentityResolution, IssuedIdentities, IssueIdentities } from '../../fsm/eap-aka-server.js';
import { open, seal, SealError } from '../../crypto/seal.js';
import type { Collection, Store } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import { Secret } from '../../util/secret.js';

export interface EapIdentitiesConfig {
  /** Issue pseudonyms after a full authentication (aaa.pseudonyms). */
  pseudonyms: boolean;
  /** Issue re-auth identities and accept fast re-authentication (aaa.fast_reauth). */
  fastReauth: boolean;
  /** Fast re-authentications in a row before a full authentication is required (aaa.max_reauths). */
  maxReauths: number;
  /** Lifetime of an issued pseudonym, seconds (aaa.pseudonym_lifetime_seconds). */
  pseudonymLifetimeS: number;
  /** Lifetime of an issued re-auth identity, seconds (aaa.reauth_id_lifetime_seconds). */
  reauthIdLifetimeS: number;
}

export const EAP_IDENTITIES_DEFAULTS: EapIdentitiesConfig = {
  pseudonyms: true, fastReauth: true, maxReauths: 16, pseudonymLifetimeS: 7 * 86400, reauthIdLifetimeS: 86400,
};

type IdentityRecord =
  | { kind: 'pseudonym'; imsi: string; expires_at: number }
  | { kind: 'reauth'; imsi: string; variant: AkaVariant; counter: number; keys: string; expires_at: number }
  | { kind: 'imsi'; pseudonym?: string; reauth_id?: string };

/** TS 23.003 §19.3.2 leading digits of issued identities. */
const PREFIX = { pseudonym: { aka: '2', 'aka-prime': '7' }, reauth: { aka: '4', 'aka-prime': '8' } } as const;

const username = (identity: string) => {
  const at = identity.indexOf('@');
  return at >= 0 ? identity.slice(0, at) : identity;
};

export class StoreEapIdentities implements EapIdentityPort {
  readonly #c: Collection<IdentityRecord>;
  readonly #cfg: EapIdentitiesConfig;
  readonly #sealKey: Secret<Buffer>;
  readonly #random: (n: number) => Buffer;
  readonly #now: () => number;

  constructor(store: Store, opts: { config: EapIdentitiesConfig; sealKey: Secret<Buffer>; random: (n: number) => Buffer; now: () => number }) {
    if (!Number.isInteger(opts.config.maxReauths) || opts.config.maxReauths < 0 || opts.config.maxReauths > 0xfffe) throw new RangeError('maxReauths must be 0..65534');
    this.#c = openCollection<IdentityRecord>(store, 'eap_identities');
    this.#cfg = opts.config;
    this.#sealKey = opts.sealKey;
    this.#random = opts.random;
    this.#now = opts.now;
  }

  #newId(kind: 'pseudonym' | 'reauth', variant: AkaVariant): string {
    return PREFIX[kind][variant] + this.#random(16).toString('hex');
  }

  async issue(_imsi: string, variant: AkaVariant): Promise<IssueIdentities | undefined> {
    if (!this.#cfg.pseudonyms && !(this.#cfg.fastReauth && this.#cfg.maxReauths > 0)) return undefined;
    return {
      ...(this.#cfg.pseudonyms ? { pseudonym: this.#newId('pseudonym', variant) } : {}),
      ...(this.#cfg.fastReauth && this.#cfg.maxReauths > 0 ? { reauthId: this.#newId('reauth', variant) } : {}),
      iv: this.#random(16),
    };
  }

  async resolve(identity: string, opts: { variant: AkaVariant; allowReauth: boolean }): Promise<IdentityResolution> {
    const user = username(identity);
    const kind = parseIdentity(identity).kind;
    const now = this.#now();
    if (kind === 'pseudonym') {
      const rec = await this.#c.get(`p:${user}`);
      return rec?.kind === 'pseudonym' && rec.expires_at > now ? { kind: 'full', imsi: rec.imsi } : { kind: 'unknown' };
    }
    if (kind !== 'reauth' || !opts.allowReauth) return { kind: 'unknown' };
    // Single use: take the record and delete it in one atomic step (across daemons sharing the store).
    const key = `r:${user}`;
    const rec = await this.#c.update<IdentityRecord | undefined>(key, (cur) => (cur?.kind === 'reauth' ? { result: cur, delete: true } : { result: undefined }));
    if (rec?.kind !== 'reauth' || rec.expires_at <= now) return { kind: 'unknown' };
    if (!this.#cfg.fastReauth || rec.variant !== opts.variant || rec.counter + 1 > this.#cfg.maxReauths) return { kind: 'full', imsi: rec.imsi };
    let keys: ReauthKeys;
    try {
      keys = this.#openKeys(rec.variant, rec.keys, key);
    } catch (e) {
      if (e instanceof SealError || e instanceof RangeError) return { kind: 'full', imsi: rec.imsi };
      throw e;
    }
    const counter = rec.counter + 1;
    return {
      kind: 'reauth', imsi: rec.imsi, counter, keys, nonceS: this.#random(16), iv: this.#random(16),
      ...(counter < this.#cfg.maxReauths ? { nextReauthId: this.#newId('reauth', rec.variant) } : {}),
    };
  }

  /**
   * Keep what a successful session issued, in one durable commit with the IMSI's `i:` record; the IMSI's
   * superseded pseudonym and re-auth identity are then deleted (after a re-authentication the old re-auth
   * record is already gone: nothing more is written). The `i:` record is read, not updated atomically: two
   * successes of one IMSI at the same instant may leave one superseded record, which its expiry removes
   * from use — single use of a re-auth identity does not depend on it (resolve's atomic take does).
   */
  async save(imsi: string, issued: IssuedIdentities | undefined): Promise<void> {
    if (!issued || (!issued.pseudonym && !issued.reauth)) return;
    const now = this.#now();
    const cur = await this.#c.get(`i:${imsi}`);
    const prev = cur?.kind === 'imsi' ? cur : { kind: 'imsi' as const };
    const next: IdentityRecord = { ...prev };
    const writes: Array<[string, IdentityRecord]> = [];
    if (issued.pseudonym) {
      next.pseudonym = username(issued.pseudonym);
      writes.push([`p:${next.pseudonym}`, { kind: 'pseudonym', imsi, expires_at: now + this.#cfg.pseudonymLifetimeS * 1000 }]);
    }
    if (issued.reauth) {
      next.reauth_id = username(issued.reauth.id);
      const key = `r:${next.reauth_id}`;
      const r = issued.reauth;
      writes.push([key, { kind: 'reauth', imsi, variant: r.keys.variant, counter: r.counter, keys: this.#sealKeys(r.keys, key), expires_at: now + this.#cfg.reauthIdLifetimeS * 1000 }]);
    }
    writes.push([`i:${imsi}`, next]);
    // The superseded identities are deleted in the same commit as the new records (all or nothing; on PostgreSQL
    // one statement instead of three); a key already gone is skipped.
    const superseded: string[] = [];
    if (prev.pseudonym && prev.pseudonym !== next.pseudonym) superseded.push(`p:${prev.pseudonym}`);
    if (prev.reauth_id && prev.reauth_id !== next.reauth_id) superseded.push(`r:${prev.reauth_id}`);
    await this.#c.putMany(writes, superseded);
  }

  #sealKeys(k: ReauthKeys, aad: string): string {
    const plain = Buffer.concat([k.kEncr.reveal(), k.kAut.reveal(), k.reauthKey.reveal()]);
    return seal(this.#sealKey, plain, this.#random(12), `eap_identities|${aad}`);
  }

  #openKeys(variant: AkaVariant, box: string, aad: string): ReauthKeys {
    const b = open(this.#sealKey, box, `eap_identities|${aad}`);
    // EAP-AKA: K_encr 16, K_aut 16, MK 20; EAP-AKA': K_encr 16, K_aut 32, K_re 32.
    const [a, r] = variant === 'aka' ? [16, 20] : [32, 32];
    if (b.length !== 16 + a + r) throw new RangeError('eap_identities: bad key block');
    return {
      variant,
      kEncr: new Secret(Buffer.from(b.subarray(0, 16))),
      kAut: new Secret(Buffer.from(b.subarray(16, 16 + a))),
      reauthKey: new Secret(Buffer.from(b.subarray(16 + a))),
    };
  }
}
