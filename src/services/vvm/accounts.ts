/**
 * Visual-voicemail accounts (VVM.md § Accounts, greetings, PIN, quota): one record per subscriber in
 * `vvm_accounts`, keyed by IMSI. The PIN is kept only as a salted scrypt hash and never leaves this module
 * (views carry `pin_set`, never the hash). IMAP LOGIN goes through `authenticate`: wrong PINs are counted
 * in the account record (so the count survives restarts and is shared by every daemon on the store) and
 * lock the account out for `lockoutMs` after `maxFailures` in a row; the caller (daemon/imap) adds the
 * failure delay, since services own no timers.
 */
import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import type { Clock, Collection, Store, Tally } from '../../ports.js';
import { openCollection } from '../../store/collections.js';
import { RecentMap } from '../../util/recent-map.js';

export const VVM_STATUSES = ['new', 'provisioned', 'ready', 'blocked', 'deactivated'] as const;
export type VvmStatus = (typeof VVM_STATUSES)[number];

/** As stored. `pin_hash` is `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`. */
export interface VvmAccountRecord {
  imsi: string;
  msisdn: string | null;
  status: VvmStatus;
  /** OMTP language number (`lang=` of STATUS, `XCHANGE_VM_LANG LANG=<n>`). */
  language: string;
  pin_hash: string | null;
  /** The client type and protocol version of the last Activate (`ct=`, `pv=`), when known. */
  client_type: string | null;
  protocol_version: string | null;
  /** Per-account quota; null = the configured default. */
  max_messages: number | null;
  storage_limit_kb: number | null;
  /** Wrong PINs in a row (cleared by a good one) and the end of the current lock-out, ms since the epoch. */
  login_failures: number;
  locked_until: number | null;
  created_at: number;
  updated_at: number;
}

/** What callers see: never the PIN hash. */
export type VvmAccountView = Omit<VvmAccountRecord, 'pin_hash'> & { pin_set: boolean };

export interface VvmAccountLimits {
  minPinLength: number;
  maxPinLength: number;
  /** Wrong PINs in a row before a lock-out. */
  maxLoginFailures: number;
  /** How long a lock-out lasts, ms. */
  lockoutMs: number;
  /** The host name after `@` accepted in an IMAP user name (`<imsi>@<imap_server>`). */
  domain: string;
}

export type VvmAccountErrorCode = 'OMNISEP_VVM_INVALID' | 'OMNISEP_VVM_EXISTS' | 'OMNISEP_VVM_NOT_FOUND';

export class VvmAccountError extends Error {
  override readonly name = 'VvmAccountError';
  constructor(readonly code: VvmAccountErrorCode, message: string) {
    super(message);
  }
}

/** Why a PIN is refused, with the exact OMTP texts of XCHANGE_TUI_PWD (VVM.md § Client contract). */
export const PIN_PROBLEM_TEXT = {
  too_short: 'password too short',
  too_long: 'password too long',
  weak: 'password too weak',
  old_mismatch: 'old password mismatch',
  invalid_chars: 'password contains invalid characters',
} as const;
export type PinProblem = keyof typeof PIN_PROBLEM_TEXT;

export class VvmPinError extends Error {
  override readonly name = 'VvmPinError';
  constructor(readonly reason: PinProblem) {
    super(PIN_PROBLEM_TEXT[reason]);
  }
}

/** Why a LOGIN is refused, with the OMTP texts (VVM.md § Client contract). */
export const LOGIN_FAILURE_TEXT = {
  unknown_user: 'unknown user',
  invalid_password: 'invalid password',
  not_initialized: 'mailbox not initialized',
  not_provisioned: 'service is not provisioned',
  not_activated: 'service is not activated',
  blocked: 'user is blocked',
  locked: 'user is blocked',
} as const;
export type LoginFailure = keyof typeof LOGIN_FAILURE_TEXT;

export type AuthResult = { ok: true; account: VvmAccountView } | { ok: false; reason: LoginFailure; imsi: string | null };

const IMSI_RE = /^[0-9]{5,15}$/;
const MSISDN_RE = /^\+?[0-9]{3,15}$/;
const LANG_RE = /^[0-9]{1,2}$/;

// scrypt cost: N = 2^14, r = 8 (16 MiB, RFC 7914's interactive figure). A PIN has few digits, so the
// lock-out, not the hash cost, is what stops guessing online; the hash keeps a stolen store from
// handing out PINs at no cost.
const SCRYPT = { logN: 14, r: 8, p: 1, keyLen: 32 };

const CACHE_MS = 10 * 60_000;
const CACHE_MAX = 100_000;

function scrypt(pin: string, salt: Buffer, logN: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(pin, salt, keyLen, { N: 2 ** logN, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(pin, salt, SCRYPT.logN, SCRYPT.r, SCRYPT.p, SCRYPT.keyLen);
  return `scrypt$${SCRYPT.logN}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const [alg, logN, r, p, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = await scrypt(pin, Buffer.from(salt, 'base64'), Number(logN), Number(r), Number(p), want.length);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A PIN of one repeated digit or one ascending/descending run (0000, 1234, 9876) is weak. */
export function isWeakPin(pin: string): boolean {
  if (/^(\d)\1*$/.test(pin)) return true;
  const steps = new Set<number>();
  for (let i = 1; i < pin.length; i++) steps.add((pin.charCodeAt(i) - pin.charCodeAt(i - 1) + 10) % 10);
  return steps.size === 1 && (steps.has(1) || steps.has(9));
}

export const toView = (r: VvmAccountRecord): VvmAccountView => {
  const { pin_hash, ...rest } = r;
  return { ...rest, pin_set: pin_hash !== null };
};

export class VvmAccountService {
  readonly #coll: Collection<VvmAccountRecord>;
  readonly #cacheKey = randomBytes(32);
  readonly #cache = new RecentMap<string, { tag: Buffer; until: number }>(CACHE_MAX);

  constructor(store: Store, private readonly clock: Clock, private readonly limits: VvmAccountLimits) {
    this.#coll = openCollection<VvmAccountRecord>(store, 'vvm_accounts');
  }

  /** The PIN rules (VVM.md: `pw_len` bounds, digits only); `weak` only when `checkWeak` (a phone's own change). */
  pinProblem(pin: string, checkWeak = false): PinProblem | null {
    if (!/^[0-9]*$/.test(pin)) return 'invalid_chars';
    if (pin.length < this.limits.minPinLength) return 'too_short';
    if (pin.length > this.limits.maxPinLength) return 'too_long';
    if (checkWeak && isWeakPin(pin)) return 'weak';
    return null;
  }

  async create(imsi: string, opts: { msisdn?: string | null; language?: string; pin?: string; status?: VvmStatus; clientType?: string; protocolVersion?: string } = {}): Promise<VvmAccountView> {
    if (!IMSI_RE.test(imsi)) throw new VvmAccountError('OMNISEP_VVM_INVALID', `IMSI ${JSON.stringify(imsi)} is not 5 to 15 digits`);
    if (opts.msisdn != null && !MSISDN_RE.test(opts.msisdn)) throw new VvmAccountError('OMNISEP_VVM_INVALID', `MSISDN ${JSON.stringify(opts.msisdn)} is not 3 to 15 digits (optionally with +)`);
    if (opts.language !== undefined && !LANG_RE.test(opts.language)) throw new VvmAccountError('OMNISEP_VVM_INVALID', `language ${JSON.stringify(opts.language)} is not an OMTP language number (1 to 2 digits)`);
    if (opts.status !== undefined && !VVM_STATUSES.includes(opts.status)) throw new VvmAccountError('OMNISEP_VVM_INVALID', `status ${JSON.stringify(opts.status)} is not one of ${VVM_STATUSES.join(', ')}`);
    if (opts.pin !== undefined) {
      const problem = this.pinProblem(opts.pin);
      if (problem) throw new VvmPinError(problem);
    }
    const pinHash = opts.pin !== undefined ? await hashPin(opts.pin) : null;
    const now = this.clock.now();
    const rec: VvmAccountRecord = {
      imsi, msisdn: opts.msisdn ?? null, status: opts.status ?? 'provisioned', language: opts.language ?? '1', pin_hash: pinHash,
      client_type: opts.clientType ?? null, protocol_version: opts.protocolVersion ?? null,
      max_messages: null, storage_limit_kb: null, login_failures: 0, locked_until: null, created_at: now, updated_at: now,
    };
    const created = await this.#coll.update(imsi, (cur) => (cur ? { result: false } : { result: true, put: rec }));
    if (!created) throw new VvmAccountError('OMNISEP_VVM_EXISTS', `a VVM account for ${imsi} already exists`);
    return toView(rec);
  }

  async get(imsi: string): Promise<VvmAccountView | undefined> {
    const r = await this.#coll.get(imsi);
    return r ? toView(r) : undefined;
  }

  /** Accounts in IMSI order, after `after`, at most `limit` (admin paging). */
  async list(opts: { after?: string; limit?: number } = {}): Promise<VvmAccountView[]> {
    const rows = await this.#coll.scan({ ...(opts.after !== undefined ? { after: opts.after } : {}), limit: opts.limit ?? 100 });
    return rows.map(([, r]) => toView(r));
  }

  count(): Promise<number> {
    return this.#coll.count();
  }

  /** As count, for a gauge: an estimate past 100,000 on PostgreSQL (src/ports.ts Tally). */
  tally(): Promise<Tally> {
    return this.#coll.tally();
  }

  /** Removes the account record only; VvmMailboxService.removeAll removes the mail. */
  remove(imsi: string): Promise<boolean> {
    return this.#coll.delete(imsi);
  }

  async setStatus(imsi: string, status: VvmStatus): Promise<VvmAccountView> {
    if (!VVM_STATUSES.includes(status)) throw new VvmAccountError('OMNISEP_VVM_INVALID', `status ${JSON.stringify(status)} is not one of ${VVM_STATUSES.join(', ')}`);
    // Unblocking clears a PIN lock-out as well: the operator's decision overrides the counter.
    return this.#change(imsi, (r) => ({ ...r, status, ...(status === 'ready' ? { login_failures: 0, locked_until: null } : {}) }));
  }

  async setLanguage(imsi: string, language: string): Promise<VvmAccountView> {
    if (!LANG_RE.test(language)) throw new VvmAccountError('OMNISEP_VVM_INVALID', `language ${JSON.stringify(language)} is not an OMTP language number (1 to 2 digits)`);
    return this.#change(imsi, (r) => ({ ...r, language }));
  }

  async setClient(imsi: string, clientType: string | null, protocolVersion: string | null): Promise<VvmAccountView> {
    return this.#change(imsi, (r) => ({ ...r, client_type: clientType, protocol_version: protocolVersion }));
  }

  async setQuota(imsi: string, quota: { maxMessages?: number | null; storageLimitKb?: number | null }): Promise<VvmAccountView> {
    for (const v of [quota.maxMessages, quota.storageLimitKb])
      if (v != null && (!Number.isInteger(v) || v < 1)) throw new VvmAccountError('OMNISEP_VVM_INVALID', `quota ${v} is not a positive integer`);
    return this.#change(imsi, (r) => ({
      ...r,
      ...(quota.maxMessages !== undefined ? { max_messages: quota.maxMessages } : {}),
      ...(quota.storageLimitKb !== undefined ? { storage_limit_kb: quota.storageLimitKb } : {}),
    }));
  }

  /** The operator's PIN (length and digits checked; throws VvmPinError). Clears a lock-out. */
  async setPin(imsi: string, pin: string): Promise<VvmAccountView> {
    const problem = this.pinProblem(pin);
    if (problem) throw new VvmPinError(problem);
    const hash = await hashPin(pin);
    return this.#change(imsi, (r) => ({ ...r, pin_hash: hash, login_failures: 0, locked_until: null }));
  }

  /** The phone's PIN change (XCHANGE_TUI_PWD): the old PIN must match and the new one pass every rule, weakness included. */
  async changePin(imsi: string, oldPin: string, newPin: string): Promise<void> {
    const rec = await this.#coll.get(imsi);
    if (!rec) throw new VvmAccountError('OMNISEP_VVM_NOT_FOUND', `no VVM account for ${imsi}`);
    if (rec.pin_hash === null || !(await verifyPin(oldPin, rec.pin_hash))) throw new VvmPinError('old_mismatch');
    const problem = this.pinProblem(newPin, true);
    if (problem) throw new VvmPinError(problem);
    const hash = await hashPin(newPin);
    await this.#change(imsi, (r) => ({ ...r, pin_hash: hash }));
  }

  /** The IMSI of an IMAP user name: `<imsi>` or `<imsi>@<imap_server>` (VVM.md: `u=` is IMSI-based); null otherwise. */
  imsiOfUser(username: string): string | null {
    const at = username.indexOf('@');
    const local = at < 0 ? username : username.slice(0, at);
    if (at >= 0 && username.slice(at + 1).toLowerCase() !== this.limits.domain.toLowerCase()) return null;
    return IMSI_RE.test(local) ? local : null;
  }

  /**
   * IMAP LOGIN. Order: unknown user, then the account's state (OMTP texts), then the lock-out, then the PIN.
   * A wrong PIN is counted; the `maxLoginFailures`-th in a row locks the account for `lockoutMs`.
   * `remoteAddress` is for the caller's log; the count is per account, so spreading guesses over
   * addresses gains nothing.
   */
  async authenticate(username: string, password: string, _remoteAddress?: string): Promise<AuthResult> {
    const imsi = this.imsiOfUser(username);
    if (!imsi) return { ok: false, reason: 'unknown_user', imsi: null };
    const rec = await this.#coll.get(imsi);
    if (!rec) return { ok: false, reason: 'unknown_user', imsi };
    if (rec.status === 'blocked') return { ok: false, reason: 'blocked', imsi };
    if (rec.status === 'new') return { ok: false, reason: 'not_provisioned', imsi };
    if (rec.status === 'provisioned' || rec.status === 'deactivated') return { ok: false, reason: 'not_activated', imsi };
    if (rec.pin_hash === null) return { ok: false, reason: 'not_initialized', imsi };
    const now = this.clock.now();
    if (rec.locked_until !== null && rec.locked_until > now) return { ok: false, reason: 'locked', imsi };
    const good = await this.#verifyCached(imsi, password, rec.pin_hash, now);
    if (good) {
      if (rec.login_failures === 0 && rec.locked_until === null) return { ok: true, account: toView(rec) };
      const view = await this.#coll.update(imsi, (cur) => {
        if (!cur) return { result: toView(rec) };
        const next = { ...cur, login_failures: 0, locked_until: null };
        return { result: toView(next), put: next };
      });
      return { ok: true, account: view };
    }
    const locked = await this.#coll.update(imsi, (cur) => {
      if (!cur) return { result: false };
      const failures = cur.login_failures + 1;
      const lock = failures >= this.limits.maxLoginFailures;
      return { result: lock, put: { ...cur, login_failures: lock ? 0 : failures, locked_until: lock ? now + this.limits.lockoutMs : cur.locked_until, updated_at: now } };
    });
    return { ok: false, reason: locked ? 'locked' : 'invalid_password', imsi };
  }

  /**
   * A phone logs in on every sync with the same PIN, so a good PIN is remembered for `CACHE_MS` as an HMAC
   * under a key of this process (bound to the stored hash, so a PIN change forgets it). A wrong PIN always
   * pays the full scrypt. Memory: the CACHE_MAX entries verified most recently, and at most twice as many.
   */
  async #verifyCached(imsi: string, pin: string, pinHash: string, now: number): Promise<boolean> {
    const tag = createHmac('sha256', this.#cacheKey).update(pinHash).update('\0').update(pin).digest();
    const hit = this.#cache.get(imsi);
    if (hit && hit.until > now && hit.tag.length === tag.length && timingSafeEqual(hit.tag, tag)) return true;
    const good = await verifyPin(pin, pinHash);
    if (good) {
      this.#cache.set(imsi, { tag, until: now + CACHE_MS });
    }
    return good;
  }

  async #change(imsi: string, fn: (r: VvmAccountRecord) => VvmAccountRecord): Promise<VvmAccountView> {
    const now = this.clock.now();
    const out = await this.#coll.update(imsi, (cur) => {
      if (!cur) return { result: undefined };
      const next = { ...fn(cur), updated_at: now };
      return { result: toView(next), put: next };
    });
    if (!out) throw new VvmAccountError('OMNISEP_VVM_NOT_FOUND', `no VVM account for ${imsi}`);
    return out;
  }
}
