/**
 * Builds the ODSA services from the configuration (daemon/services.ts calls it): temporary tokens, the
 * operator port (lab or HTTP, `odsa.operator`), the ODSA service and the push registrations/backlog. The `odsa` section is read on each
 * use, so a reload applies to the next request.
 */
import type { OmnisepConfig } from '../../src/contracts/config.js';
import type { Clock, EventSink, Random, Store } from '../../src/ports.js';
import { OdsaService } from '../../src/services/odsa/odsa-service.js';
import { LabOperator, type EnterpriseOperatorSystems, type OperatorSystems } from '../../src/services/odsa/operator.js';
import { TemporaryTokenService } from '../../src/services/odsa/temporary-tokens.js';
import { Secret } from '../../src/util/secret.js';
import { HttpOperator } from './http-operator.js';
import { PushService } from '../../src/services/push/push-service.js';
import { OperatorTokenVerifier } from '../../src/services/odsa/operator-tokens.js';
import { readFile } from 'node:fs/promises';
import { EnterpriseService } from '../../src/services/odsa/enterprise-service.js';
import { JwtIssuerVerifier } from '../../src/services/odsa/jwt-issuer.js';

export interface OdsaServices {
  odsa: OdsaService;
  temporaryTokens: TemporaryTokenService;
  /** Push on change: registrations and backlog (the sender is daemon/push/worker.ts). */
  push: PushService;
  /** operator_token checks and minting (ap2015, TS.43 §14). */
  operatorTokens: OperatorTokenVerifier;
  /** ap2011 server-initiated ODSA (TS.43 §10): enterprises, access tokens of the `enterprise` issuer. */
  enterprises: EnterpriseService;
}

export function buildOdsa(deps: { config: OmnisepConfig; store: Store; clock: Clock; random: Random; events: EventSink; subscribers: { get(imsi: string): Promise<{ msisdn: string | null } | undefined> } }): OdsaServices {
  const { config, store, clock, random, events } = deps;
  const operator: OperatorSystems & EnterpriseOperatorSystems =
    config.odsa.operator === 'http'
      ? new HttpOperator(() => ({ url: config.odsa.operator_url, timeoutMs: config.odsa.operator_timeout_ms, retries: config.odsa.operator_retries }))
      : new LabOperator({ store, clock, random, config: () => ({ smdp_address: config.odsa.lab_smdp_address, iccid_prefix: config.odsa.lab_iccid_prefix, delay_polls: config.odsa.lab_delay_polls, plans: config.odsa.plans }) });
  const temporaryTokens = new TemporaryTokenService({ store, clock, random, events, signingSecret: new Secret(config.token.signing_secret), validitySeconds: config.odsa.temporary_token_seconds });
  const odsa = new OdsaService({
    store, clock, operator, temporaryTokens, subscribers: deps.subscribers,
    policy: () => config.odsa,
  });
  const push = new PushService({ store, clock, policy: () => config.push });
  const operatorTokens = new OperatorTokenVerifier({ policy: () => config.operator_token, clock, readJwks: (file) => readFile(file, 'utf8'), readSigningKey: (file) => readFile(file, 'utf8'), randomId: () => random.uuid() });
  const enterprises = new EnterpriseService({
    store, clock, operator,
    accessTokens: new JwtIssuerVerifier({ policy: () => config.enterprise, clock, readJwks: (file) => readFile(file, 'utf8') }),
    signingSecret: () => config.token.signing_secret,
    policy: () => ({ token_seconds: config.enterprise.token_seconds, polling_interval_seconds: config.odsa.polling_interval_seconds }),
  });
  return { odsa, temporaryTokens, push, operatorTokens, enterprises };
}
