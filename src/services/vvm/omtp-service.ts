/**
 * The OMTP SMS flows (VVM.md § Flows, docs/vvm-sms.md): the mobile-originated Activate, Deactivate and
 * Status requests, the STATUS answer, and the SYNC notices that follow mailbox events. Every SMS goes
 * into the durable backlog (./sms-outbox.ts); the daemon's gateway worker sends it.
 *
 * Credentials. The IMAP password is the account's PIN, and the PIN is stored only as a hash, so a
 * STATUS that carries `u`/`pw` (st=R) cannot repeat an old password: it issues a new one when it is
 * sent (`renderForSend`), stores its hash with `setPin`, and puts it in the text that goes to the
 * gateway and nowhere else. The backlog keeps such a STATUS without text. Activate (re)provisions a
 * phone; Status and `omnisep vvm sms status` re-issue too, so the phone always holds a working pair.
 *
 * Sees only ports (and the account service); no timers, no HTTP.
 */
import { decodeMo, encodeStatus, encodeSync, redactOmtp, ReturnCode, type MoRequest, type StatusSms, type SyncEvent } from '../../codec/omtp/sms.js';
import { DecodeError } from '../../codec/decode-error.js';
import type { Random } from '../../ports.js';
import type { ActivityService } from '../activity.js';
import type { OutboxRecord, SmsOutbox } from './sms-outbox.js';
import type { VvmAccountService, VvmAccountView } from './accounts.js';
import type { VvmEvent, VvmMailboxService } from './mailbox.js';
import { RecentMap } from '../../util/recent-map.js';

/** The configuration the flows read (vvm.* keys). */
export interface OmtpSettings {
  prefix: string;
  imapServer: string;
  /** The port STATUS advertises (`ipt`): the STARTTLS port (VVM.md § Client contract). */
  imapPort: number;
  /** `spt` (0 = not advertised; then no smtp_u/smtp_pw either). */
  smtpPort: number;
  tuiNumber: string;
  /** `dn`: where phones send MO SMS (vvm.sms_source_number). */
  sourceNumber: string;
  languages: readonly string[];
  minPinLength: number;
  maxPinLength: number;
  maxGreetingSeconds: number;
}

export type MoOutcome = 'activated' | 'deactivated' | 'status' | 'unknown_subscriber' | 'blocked' | 'refused';

export interface MoResult {
  request: MoRequest['kind'];
  imsi: string | null;
  outcome: MoOutcome;
  /** The STATUS answer queued (its backlog id), or null when none could be addressed. */
  sms_id: string | null;
  /** `st`/`rc` of the answer. */
  st: StatusSms['st'];
  rc: number;
}

export class OmtpMoError extends Error {
  override readonly name = 'OmtpMoError';
  constructor(message: string) {
    super(message);
  }
}

export class OmtpSendError extends Error {
  override readonly name = 'OmtpSendError';
  constructor(readonly code: 'OMNISEP_VVM_NOT_FOUND' | 'OMNISEP_VVM_NO_MSISDN', message: string) {
    super(message);
  }
}

export interface OmtpDeps {
  accounts: VvmAccountService;
  mailbox: VvmMailboxService;
  outbox: SmsOutbox;
  random: Random;
  activity?: ActivityService;
  settings: () => OmtpSettings;
  /** Looks an IMSI up by MSISDN (the subscriber store) when the gateway gives only the sender's number. */
  imsiByMsisdn?: (msisdn: string) => Promise<string | null>;
  /** Counted by the daemon: vvm_accounts_total{operation,result}. */
  onAccount?: (operation: 'create' | 'activate' | 'deactivate' | 'update', result: 'success' | 'error') => void;
  /** Told of each SMS queued (the daemon's worker sends at once). */
  onQueued?: (rec: OutboxRecord) => void;
}

const ST_OF = { new: 'N', provisioned: 'P', ready: 'R', blocked: 'B', deactivated: 'U' } as const;

/** NM SYNCs queued for recent deposits, kept until the depositor asks (bounded: the oldest go first). */
const MAX_PENDING_NM = 1000;

export class OmtpService {
  readonly #nm = new RecentMap<string, Promise<OutboxRecord | null>>(MAX_PENDING_NM);

  constructor(private readonly deps: OmtpDeps) {}

  /**
   * Subscribes to the mailbox (VVM.md § Flows): NM for every deposit, whatever path made it (admin API,
   * CLI, a direct service call); MBU for changes made elsewhere than the phone (operator); GU for
   * greeting changes made elsewhere. Changes the phone made itself over IMAP get no SYNC (it knows;
   * Android would only sync again). Returns the unsubscribe function.
   */
  attach(onError: (e: unknown) => void): () => void {
    return this.deps.mailbox.onEvent((e: VvmEvent) => {
      if (e.origin === 'imap') return;
      const queued = this.sync(e.imsi, e.kind, e.uid, e.kind === 'NM' ? 'deposit' : 'mailbox');
      queued.catch(onError);
      if (e.kind !== 'NM' || e.uid === undefined) return;
      // The deposit route reports its SYNC in the answer (depositSync); nobody else asks, so the map is bounded.
      this.#nm.set(`${e.imsi}/${e.uid}`, queued.catch(() => null));
    });
  }

  /**
   * The SYNC ev=NM queued for the deposit of INBOX `uid` (by attach, as the deposit happened): the
   * record, or null when the account gets none (not ready, no MSISDN) or attach is not running.
   */
  async depositSync(imsi: string, uid: number): Promise<OutboxRecord | null> {
    const key = `${imsi}/${uid}`;
    const p = this.#nm.peek(key);
    this.#nm.delete(key);
    return p ?? null;
  }

  /** Handles one mobile-originated SMS from the gateway's inbound hook (or the admin API). */
  async handleMo(input: { from: string; text: string; imsi?: string }): Promise<MoResult> {
    let req: MoRequest;
    try {
      req = decodeMo(input.text);
    } catch (e) {
      if (e instanceof DecodeError) throw new OmtpMoError(`not an OMTP request: ${e.reason}`);
      throw e;
    }
    const from = normaliseNumber(input.from);
    const imsi = input.imsi ?? (await this.deps.imsiByMsisdn?.(from)) ?? null;
    const answer = async (st: StatusSms['st'], rc: number, outcome: MoOutcome, account?: VvmAccountView): Promise<MoResult> => {
      const rec = account && st === 'R'
        ? await this.#queueCredentialStatus(account.imsi, from, `mo_${req.kind}`)
        : await this.#queueText(imsi, from, 'status', encodeStatus(this.#statusFields(st, rc as ReturnCode), this.deps.settings().prefix), `mo_${req.kind}`);
      await this.#audit(`vvm_${req.kind}`, imsi, from, { outcome, st, rc, ...(req.kind === 'activate' ? { pv: req.pv, ct: req.ct } : {}), sms_id: rec.id });
      return { request: req.kind, imsi, outcome, sms_id: rec.id, st, rc };
    };
    if (!imsi) return answer('U', ReturnCode.MAILBOX_UNKNOWN, 'unknown_subscriber');
    let account = await this.deps.accounts.get(imsi);

    if (req.kind === 'activate') {
      try {
        if (!account) {
          account = await this.deps.accounts.create(imsi, { msisdn: from, status: 'ready', clientType: req.ct, protocolVersion: String(req.pv) });
          this.deps.onAccount?.('create', 'success');
        } else {
          if (account.status === 'blocked') return answer('B', ReturnCode.SUCCESS, 'blocked');
          await this.deps.accounts.setClient(imsi, req.ct, String(req.pv));
          if (account.status !== 'ready') account = await this.deps.accounts.setStatus(imsi, 'ready');
        }
        this.deps.onAccount?.('activate', 'success');
      } catch (e) {
        this.deps.onAccount?.('activate', 'error');
        await this.#audit('vvm_activate', imsi, from, { outcome: 'refused', error: e instanceof Error ? e.message : String(e) });
        return answer('U', ReturnCode.SYSTEM_ERROR, 'refused');
      }
      return answer('R', ReturnCode.SUCCESS, 'activated', account);
    }
    if (!account) return answer('U', ReturnCode.MAILBOX_UNKNOWN, 'unknown_subscriber');
    if (req.kind === 'deactivate') {
      try {
        if (account.status !== 'deactivated') await this.deps.accounts.setStatus(imsi, 'deactivated');
        this.deps.onAccount?.('deactivate', 'success');
      } catch (e) {
        this.deps.onAccount?.('deactivate', 'error');
        throw e;
      }
      return answer('U', ReturnCode.SUCCESS, 'deactivated');
    }
    // Status: the account's state, with fresh credentials when ready.
    const st = ST_OF[account.status];
    const rc = account.status === 'deactivated' ? ReturnCode.NOT_ACTIVATED : ReturnCode.SUCCESS;
    return answer(st, rc, st === 'B' ? 'blocked' : 'status', account);
  }

  /** `omnisep vvm sms status IMSI`: queues a STATUS for the account's state now (fresh credentials when ready). */
  async status(imsi: string, reason = 'operator'): Promise<OutboxRecord> {
    const account = await this.#addressable(imsi);
    if (account.status === 'ready') return this.#queueCredentialStatus(imsi, account.msisdn!, reason);
    const st = ST_OF[account.status];
    const rc = account.status === 'deactivated' ? ReturnCode.NOT_ACTIVATED : ReturnCode.SUCCESS;
    return this.#queueText(imsi, account.msisdn!, 'status', encodeStatus(this.#statusFields(st, rc), this.deps.settings().prefix), reason);
  }

  /**
   * Queues a SYNC: NM names the message (`id`, `t=v`, sender, date, length) and carries the unread count;
   * MBU carries the unread count; GU nothing more. Only ready accounts with an MSISDN get one (a phone
   * that is not activated ignores it); others are skipped and null is returned.
   */
  async sync(imsi: string, ev: SyncEvent, uid: number | undefined, reason: string): Promise<OutboxRecord | null> {
    const account = await this.deps.accounts.get(imsi);
    if (!account || account.status !== 'ready' || !account.msisdn) return null;
    return this.#queueText(imsi, account.msisdn, 'sync', await this.syncText(imsi, ev, uid), reason);
  }

  /** The SYNC text for an event (exported for `vvm sms sync` and tests). */
  async syncText(imsi: string, ev: SyncEvent, uid?: number): Promise<string> {
    const prefix = this.deps.settings().prefix;
    if (ev === 'GU') return encodeSync({ ev }, prefix);
    const summary = await this.deps.mailbox.summary(imsi);
    const c = summary.unseen;
    if (ev === 'MBU' || uid === undefined) return encodeSync({ ev, c }, prefix);
    const m = await this.deps.mailbox.getMessage(imsi, 'INBOX', uid);
    if (!m) return encodeSync({ ev: 'MBU', c }, prefix);
    return encodeSync({ ev: 'NM', id: uid, c, t: 'v', s: senderOf(m.from), dt: m.date, ...(m.duration_s !== null ? { l: Math.round(m.duration_s) } : {}) }, prefix);
  }

  /**
   * The text to hand to the gateway for a backlog record. A credential STATUS is rendered now: the
   * account's state, and when ready a new password whose hash is stored first. Returns the text and
   * its redacted form (for logs), or null when the account is gone (the record is then dropped).
   */
  async renderForSend(rec: OutboxRecord): Promise<{ text: string; redacted: string } | null> {
    if (rec.render === 'text') return { text: rec.text!, redacted: redactOmtp(rec.text!) };
    if (!rec.imsi) return null;
    const account = await this.deps.accounts.get(rec.imsi);
    if (!account) return null;
    const s = this.deps.settings();
    if (account.status !== 'ready') {
      const text = encodeStatus(this.#statusFields(ST_OF[account.status], account.status === 'deactivated' ? ReturnCode.NOT_ACTIVATED : ReturnCode.SUCCESS), s.prefix);
      return { text, redacted: text };
    }
    const pw = this.newPassword();
    await this.deps.accounts.setPin(account.imsi, pw);
    this.deps.onAccount?.('update', 'success');
    const text = encodeStatus({ ...this.#statusFields('R', ReturnCode.SUCCESS), u: account.imsi, pw, ...(s.smtpPort ? { smtp_u: account.imsi, smtp_pw: pw } : {}) }, s.prefix);
    return { text, redacted: redactOmtp(text) };
  }

  /** A password within vvm.min/max_pin_length (8 digits when allowed), digits only, never a weak run. */
  newPassword(): string {
    const s = this.deps.settings();
    const len = Math.max(s.minPinLength, Math.min(s.maxPinLength, 8));
    for (;;) {
      const bytes = this.deps.random.bytes(len * 2);
      let pin = '';
      // Rejection sampling: bytes ≥ 250 would bias the digits.
      for (const b of bytes) if (b < 250 && pin.length < len) pin += String(b % 10);
      if (pin.length === len && this.deps.accounts.pinProblem(pin, true) === null) return pin;
    }
  }

  #statusFields(st: StatusSms['st'], rc: ReturnCode): StatusSms {
    const s = this.deps.settings();
    if (st === 'U') return { st, rc };
    return {
      st, rc, srv: s.imapServer,
      ...(s.tuiNumber ? { tui: s.tuiNumber } : {}),
      ...(s.sourceNumber ? { dn: s.sourceNumber } : {}),
      ipt: s.imapPort,
      ...(s.smtpPort ? { spt: s.smtpPort } : {}),
      ...(s.languages.length ? { lang: s.languages } : {}),
      g_len: s.maxGreetingSeconds, vs_len: s.maxGreetingSeconds,
      pw_len: { min: s.minPinLength, max: s.maxPinLength },
      pm: 'N', gm: 'N', vtc: s.tuiNumber ? 'A' : 'N',
    };
  }

  async #addressable(imsi: string): Promise<VvmAccountView> {
    const account = await this.deps.accounts.get(imsi);
    if (!account) throw new OmtpSendError('OMNISEP_VVM_NOT_FOUND', `no VVM account for ${imsi}`);
    if (!account.msisdn) throw new OmtpSendError('OMNISEP_VVM_NO_MSISDN', `the VVM account ${imsi} has no MSISDN to send an SMS to (set one: omnisep vvm account add ${imsi} --msisdn NUMBER)`);
    return account;
  }

  async #queueCredentialStatus(imsi: string, to: string, reason: string): Promise<OutboxRecord> {
    const rec = await this.deps.outbox.enqueue({ imsi, to, type: 'status', render: 'status', text: null, reason });
    this.deps.onQueued?.(rec);
    return rec;
  }

  async #queueText(imsi: string | null, to: string, type: 'status' | 'sync', text: string, reason: string): Promise<OutboxRecord> {
    const rec = await this.deps.outbox.enqueue({ imsi, to, type, render: 'text', text, reason });
    this.deps.onQueued?.(rec);
    return rec;
  }

  /** One activity record per MO request; its status says the outcome (the monitor colours by it). */
  async #audit(type: string, imsi: string | null, msisdn: string, summary: Record<string, unknown> & { outcome: string }): Promise<void> {
    const status = ({ unknown_subscriber: 404, blocked: 403, refused: 500 } as Record<string, number>)[summary.outcome] ?? 200;
    await this.deps.activity?.record({ request_type: type, request_method: 'SMS', request_path: 'vvm/mo', imsi, msisdn, response_status: status, response_code: status, response_summary: summary });
  }
}

/** `+61400123456` → `61400123456`? No: numbers are kept as given, only spaces and dashes dropped. */
export function normaliseNumber(n: string): string {
  return n.trim().replace(/[\s-]/g, '');
}

/** SYNC `s=`: the caller's number, '' when withheld (anonymous, unknown, empty). */
export function senderOf(from: string | null | undefined): string {
  if (!from) return '';
  const n = normaliseNumber(from);
  return /^\+?[0-9]{1,20}$/.test(n) ? n : '';
}
