/**
 * omnisep's VoWiFi websheet (GSMA TS.43 §3.4; TS43.md § websheet): the page
 * the phone opens at ServiceFlow_URL, POSTing ServiceFlow_UserData to it.
 * The user enters the emergency (E911) address and accepts the terms; the
 * page records both in `store.collection('websheet')`, flips the
 * subscriber's ap2004 AddrStatus/TC_Status overrides to 1 (available), and
 * tells the phone through the JS object the entitlement client injects:
 * `VoWiFiWebServiceFlow.entitlementChanged()` (or `dismissFlow()` on cancel).
 *
 *   GET|POST /websheet/vowifi          page (token from the query or the form body)
 *   POST     /websheet/vowifi/submit   {token, address{...}, accept_terms} → JSON
 *   POST     /websheet/vowifi/cancel   {token} → JSON
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openCollection } from '../../../src/store/collections.js';
import { verifyServiceFlowToken, type ServiceFlowClaims } from '../../../src/services/entitlements/service-flow.js';
import type { Secret } from '../../../src/util/secret.js';
import type { Ts43Context } from './context.js';
import type { WebsheetGrants } from '../../../src/services/entitlements/websheet-grants.js';
import { hasUnsafeText } from '../../../src/util/terminal-text.js';

export interface WebsheetRecord {
  imsi: string;
  address: E911Address;
  terms_accepted: boolean;
  terms_accepted_at: string | null;
  updated_at: string;
  /** `submitted` or `cancelled` (last action). */
  last_action: 'submitted' | 'cancelled';
}

export interface E911Address {
  name: string;
  street: string;
  house_number: string;
  city: string;
  state: string;
  postal_code: string;
  country: string;
}

const ADDRESS_FIELDS: ReadonlyArray<{ key: keyof E911Address; label: string; required: boolean; max: number }> = [
  { key: 'name', label: 'Name', required: false, max: 100 },
  { key: 'street', label: 'Street', required: true, max: 200 },
  { key: 'house_number', label: 'House number', required: true, max: 20 },
  { key: 'city', label: 'City', required: true, max: 100 },
  { key: 'state', label: 'State / region', required: false, max: 100 },
  { key: 'postal_code', label: 'Postal code', required: true, max: 20 },
  { key: 'country', label: 'Country (ISO code)', required: true, max: 2 },
];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export function websheetPage(token: string, existing?: WebsheetRecord): string {
  const inputs = ADDRESS_FIELDS.map(
    (f) =>
      `<label for="${f.key}">${esc(f.label)}${f.required ? ' *' : ''}</label>` +
      `<input id="${f.key}" name="${f.key}" maxlength="${f.max}"${f.required ? ' required' : ''} value="${esc(existing?.address[f.key] ?? '')}">`,
  ).join('\n      ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Wi-Fi Calling — emergency address</title>
  <style>
    body { font-family: system-ui, sans-serif; margin: 1rem; max-width: 32rem; }
    label { display: block; margin-top: .6rem; font-size: .9rem; }
    input[type=text], input:not([type]) { width: 100%; padding: .4rem; box-sizing: border-box; }
    .terms { margin-top: 1rem; font-size: .9rem; }
    .buttons { margin-top: 1.2rem; display: flex; gap: .6rem; }
    #status { margin-top: 1rem; min-height: 1.2rem; }
    .error { color: #b00020; }
  </style>
</head>
<body>
  <h1>Wi-Fi Calling</h1>
  <p>Emergency services use this address when you call them over Wi-Fi.</p>
  <form id="e911" novalidate>
    <input type="hidden" id="token" value="${esc(token)}">
      ${inputs}
    <div class="terms">
      <input type="checkbox" id="accept_terms" name="accept_terms"${existing?.terms_accepted ? ' checked' : ''}>
      <label for="accept_terms" style="display:inline">I accept the Wi-Fi Calling terms and conditions, including that emergency calls use the address above.</label>
    </div>
    <div class="buttons">
      <button type="submit" id="save">Save</button>
      <button type="button" id="cancel">Cancel</button>
    </div>
  </form>
  <div id="status" role="status"></div>
  <script>
  (function () {
    var flow = window.VoWiFiWebServiceFlow;
    var status = document.getElementById('status');
    var token = document.getElementById('token').value;
    function show(text, error) { status.textContent = text; status.className = error ? 'error' : ''; }
    function post(path, body) {
      return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
    }
    document.getElementById('e911').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var address = {};
      ${JSON.stringify(ADDRESS_FIELDS.map((f) => f.key))}.forEach(function (k) { address[k] = document.getElementById(k).value; });
      var accept = document.getElementById('accept_terms').checked;
      if (!accept) { show('Please accept the terms and conditions.', true); return; }
      show('Saving…');
      post('vowifi/submit', { token: token, address: address, accept_terms: accept }).then(function (r) {
        if (!r.ok) { show(r.body.error || 'Could not save.', true); return; }
        show('Saved. Wi-Fi Calling is ready.');
        if (flow && flow.entitlementChanged) flow.entitlementChanged();
      }, function () { show('Network error, please retry.', true); });
    });
    document.getElementById('cancel').addEventListener('click', function () {
      post('vowifi/cancel', { token: token }).then(function () {}, function () {}).then(function () {
        if (flow && flow.dismissFlow) flow.dismissFlow(); else show('Cancelled.');
      });
    });
  })();
  </script>
</body>
</html>
`;
}

const errorPage = (text: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Wi-Fi Calling</title></head><body><h1>Wi-Fi Calling</h1><p>${esc(text)}</p></body></html>\n`;

/** Validate the submitted address: every error names the field and says what is expected. */
export function validateAddress(raw: unknown): { ok: true; value: E911Address } | { ok: false; errors: string[] } {
  const src = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const errors: string[] = [];
  const value = {} as E911Address;
  for (const f of ADDRESS_FIELDS) {
    const v = typeof src[f.key] === 'string' ? (src[f.key] as string).trim() : '';
    if (hasUnsafeText(v)) errors.push(`${f.key}: control, C1 or bidi characters are not allowed`);
    else if (f.required && v === '') errors.push(`${f.key}: required`);
    else if (v.length > f.max) errors.push(`${f.key}: at most ${f.max} characters`);
    value[f.key] = v;
  }
  if (value.country && !/^[A-Za-z]{2}$/.test(value.country)) errors.push('country: expected a two-letter ISO 3166 code, e.g. US');
  value.country = value.country.toUpperCase();
  return errors.length ? { ok: false, errors } : { ok: true, value };
}

/** The fields of a form or JSON body (or query): anything else is no fields. */
function fieldsOf(x: unknown): Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? Object.fromEntries(Object.entries(x)) : {};
}

export default async function websheetRoutes(app: FastifyInstance, opts: { ctx: Ts43Context; secret: Secret<string>; grants: WebsheetGrants }): Promise<void> {
  const { ctx, secret, grants } = opts;
  const sheets = openCollection<WebsheetRecord>(ctx.store, 'websheet');
  const { entitlements } = ctx.services;
  const nowS = () => Math.floor(ctx.clock.now() / 1000);
  /** A link is honoured only if signed, canonical, for ap2004, unexpired and still the subscriber's live grant (docs/security.md). */
  const claimsOf = async (token: unknown): Promise<ServiceFlowClaims | null> => {
    const c = typeof token === 'string' ? verifyServiceFlowToken(secret, token, nowS()) : null;
    if (!c || c.app !== 'ap2004') return null;
    return (await grants.check(c.imsi, c.app, c.jti)) ? c : null;
  };

  // Withdrawn links: any change to the subscriber or to their overrides (removal included; a submit's own
  // override write comes after its grant is consumed), or a revoked TS.43 token, ends the grant. Conservative
  // on purpose: the phone's next entitlement request carries a fresh link. Changes of other daemons count too.
  // A token *replaced* by a new one of its binding (the phone authenticated again) is not a revoke: the grant
  // stays and the new document carries the same link, as a re-poll would (docs/security.md § Websheet links).
  // Withdrawing it there cost a grant delete + put per authentication (docs/performance.md § Fourth round).
  const withdraw = (imsi: string) => void grants.revoke(imsi).catch(() => undefined);
  const unsubscribe = ctx.store.onChange((ch) => {
    if (ch.collection === 'subscribers' || ch.collection === 'entitlements') withdraw(ch.key);
  });
  (ctx.events as Partial<{ observe(fn: (e: { kind: string; change?: string; replaced?: true; token?: { imsi?: string } }) => void): void }> | undefined)?.observe?.((e) => {
    if (e.kind === 'token' && e.change === 'revoked' && !e.replaced && e.token?.imsi) withdraw(e.token.imsi);
  });
  app.addHook('onClose', async () => unsubscribe());

  const activity = (req: FastifyRequest, imsi: string | null, status: number, summary: Record<string, unknown>) =>
    ctx.activity
      .record({
        request_type: 'websheet',
        request_method: req.method,
        request_path: req.url,
        imsi,
        client_ip: req.ip ?? null,
        user_agent: req.headers['user-agent'] ?? null,
        auth_method: 'SERVICE_FLOW_TOKEN',
        response_status: status,
        app_ids: ['ap2004'],
        request_headers: req.headers,
        response_summary: summary,
      })
      .catch(() => undefined);

  const page = async (req: FastifyRequest, reply: FastifyReply) => {
    const q = fieldsOf(req.query);
    const b = fieldsOf(req.body);
    const token = b.token ?? q.token;
    const claims = await claimsOf(token);
    reply.header('cache-control', 'no-store').header('x-frame-options', 'DENY');
    if (!claims) {
      await activity(req, null, 403, { page: 'invalid link' });
      return reply.code(403).type('text/html; charset=utf-8').send(errorPage('This link is invalid or has expired. Open Wi-Fi Calling settings again.'));
    }
    await activity(req, claims.imsi, 200, { page: 'shown' });
    return reply.type('text/html; charset=utf-8').send(websheetPage(token as string, await sheets.get(claims.imsi)));
  };
  app.get('/websheet/vowifi', page);
  app.post('/websheet/vowifi', page);

  app.post('/websheet/vowifi/submit', async (req, reply) => {
    const b = fieldsOf(req.body);
    const claims = await claimsOf(b.token);
    if (!claims) {
      await activity(req, null, 403, { submit: 'invalid token' });
      return reply.code(403).send({ error: 'link invalid or expired' });
    }
    const addr = validateAddress(b.address);
    if (!addr.ok) {
      await activity(req, claims.imsi, 400, { submit: 'invalid address', errors: addr.errors });
      return reply.code(400).send({ error: addr.errors.join('; '), errors: addr.errors });
    }
    if (b.accept_terms !== true) {
      await activity(req, claims.imsi, 400, { submit: 'terms not accepted' });
      return reply.code(400).send({ error: 'accept_terms: the terms must be accepted' });
    }
    // Single use: the grant is consumed before anything is written, so a replay (or a race) finds it gone.
    if (!(await grants.consume(claims.imsi, claims.jti))) {
      await activity(req, claims.imsi, 403, { submit: 'link already used' });
      return reply.code(403).send({ error: 'link invalid or expired' });
    }
    const at = new Date(ctx.clock.now()).toISOString();
    await sheets.put(claims.imsi, { imsi: claims.imsi, address: addr.value, terms_accepted: true, terms_accepted_at: at, updated_at: at, last_action: 'submitted' });
    await entitlements.mergeApp(claims.imsi, 'ap2004', { addr_status: 1, tc_status: 1 });
    await activity(req, claims.imsi, 200, { submit: 'recorded', addr_status: 1, tc_status: 1 });
    return reply.send({ status: 'ok', imsi: claims.imsi, addr_status: 1, tc_status: 1 });
  });

  app.post('/websheet/vowifi/cancel', async (req, reply) => {
    const b = fieldsOf(req.body);
    const claims = await claimsOf(b.token);
    if (!claims) return reply.code(403).send({ error: 'link invalid or expired' });
    await activity(req, claims.imsi, 200, { cancel: true });
    return reply.send({ status: 'ok', cancelled: true });
  });
}
