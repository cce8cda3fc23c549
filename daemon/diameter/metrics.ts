/**
 * Prometheus metrics of the Diameter node (ADMIN-API.md § metrics): requests,
 * answers and timeouts per peer and command, and how long each answer took.
 * Several nodes in one process (serve + built-in AAA) share one registry, so
 * metrics are looked up before they are created.
 */
import { Counter, type Registry } from 'prom-client';
import { LabelledHistogram } from '../http/admin/request-metrics.js';

export interface DiameterMetrics {
  request(peer: string, command: string): void;
  answer(peer: string, command: string, result: number | string): void;
  /**
   * How long a peer took to answer one request we sent it (seconds, from the send to the answer's arrival; a request
   * retried on another peer is timed per peer).
   */
  answerTime(peer: string, command: string, seconds: number): void;
  timeout(peer: string, command: string): void;
  /** A non-success answer: `result` is `3002` or `10415:5001` (result.ts resultKey), `name` its spec name or ''. */
  failedAnswer(peer: string, command: string, result: string, name: string): void;
  /** A TLS handshake failed: `inbound` on the secure port, `outbound` when dialling a peer. */
  tlsFailure(direction: 'inbound' | 'outbound'): void;
  /** A CER refused because the peer is not allowed (docs/security.md § Diameter peers). */
  rejected(reason: 'unknown_peer' | 'wrong_address'): void;
}

function counter(reg: Registry, name: string, help: string, labelNames: string[]): Counter<string> {
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Counter<string>;
  return new Counter({ name, help, labelNames, registers: [reg] });
}

/**
 * Answer times per peer and command: kept outside prom-client like the HTTP request times (request-metrics.ts: no label
 * hashing per observation), one series per peer and command. Buckets from a loopback AAA (≈ 1 ms) to a timeout.
 */
function answerTimes(reg: Registry): LabelledHistogram<'peer' | 'command'> {
  const name = 'omnisep_diameter_answer_seconds';
  const existing = reg.getSingleMetric(name);
  if (existing instanceof LabelledHistogram) return existing as LabelledHistogram<'peer' | 'command'>;
  return new LabelledHistogram<'peer' | 'command'>(reg, {
    name,
    help: 'time from sending a Diameter request to a peer to its answer, by peer and command',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
}

export function createDiameterMetrics(reg?: Registry): DiameterMetrics {
  if (!reg) return { request() {}, answer() {}, answerTime() {}, timeout() {}, failedAnswer() {}, tlsFailure() {}, rejected() {} };
  const req = counter(reg, 'omnisep_diameter_requests_total', 'Diameter requests sent, by peer and command', ['peer', 'command']);
  const ans = counter(reg, 'omnisep_diameter_answers_total', 'Diameter answers received, by peer, command and result', ['peer', 'command', 'result']);
  const tmo = counter(reg, 'omnisep_diameter_timeouts_total', 'Diameter requests that got no answer in time, by peer and command', ['peer', 'command']);
  const tls = counter(reg, 'omnisep_diameter_tls_failures_total', 'Diameter TLS handshakes that failed (bad, missing or misnamed certificate), by direction', ['direction']);
  const fail = counter(reg, 'omnisep_diameter_failed_answers_total', 'Diameter answers received with a non-success Result-Code or Experimental-Result, by peer, command, result (3002, 10415:5001) and its name', ['peer', 'command', 'result', 'name']);
  const times = answerTimes(reg);
  const rej = counter(reg, 'omnisep_diameter_peers_rejected_total', 'incoming Diameter connections refused with CEA 3010 (DIAMETER_UNKNOWN_PEER), by reason', ['reason']);
  return {
    tlsFailure: (direction) => tls.inc({ direction }),
    rejected: (reason) => rej.inc({ reason }),
    request: (peer, command) => req.inc({ peer, command }),
    answer: (peer, command, result) => ans.inc({ peer, command, result: String(result) }),
    answerTime: (peer, command, seconds) => times.observe(`${peer}\0${command}`, () => ({ peer, command }), seconds),
    timeout: (peer, command) => tmo.inc({ peer, command }),
    failedAnswer: (peer, command, result, name) => fail.inc({ peer, command, result, name }),
  };
}
