/**
 * The `rates` event, once a second: requests and errors in the last second
 * (fed by the public listener's onResponse hook) and EAP outcomes (from the
 * session events on the bus). Emitted only while someone listens.
 */
import type { EventBus } from './bus.js';
import type { DaemonEvent } from '../../src/contracts/events.js';

export class RateMeter {
  #requests = 0;
  #errors = 0;
  #eapSuccess = 0;
  #eapFailure = 0;
  #timer: NodeJS.Timeout | null = null;
  constructor(private readonly bus: EventBus, private readonly now: () => number = Date.now) {}

  request(status: number): void {
    this.#requests++;
    if (status >= 500 || status === 511) this.#errors++;
  }

  observe(e: DaemonEvent): void {
    if (e.kind !== 'session' || e.change !== 'updated') return;
    if (e.session.state === 'authenticated') this.#eapSuccess++;
    else if (e.session.state === 'failed') this.#eapFailure++;
  }

  tick(): void {
    const req = this.#requests;
    const err = this.#errors;
    this.#requests = 0;
    this.#errors = 0;
    if (this.bus.subscriberCount === 0) return;
    this.bus.emit({ kind: 'rates', at: new Date(this.now()).toISOString(), requests_per_second: req, errors_per_second: err, eap_success: this.#eapSuccess, eap_failure: this.#eapFailure });
  }

  start(intervalMs = 1000): void {
    this.#timer ??= setInterval(() => this.tick(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
