/**
 * The ordered stop (STYLE.md): refuse new work → end event streams →
 * Diameter DPR → HTTP drain → store flush → unlink socket. Areas register a
 * closer in a phase; `stop()` runs the phases in that order, closers of one
 * phase in reverse registration order, each bounded by a timeout so a stuck
 * peer cannot hold the stop forever. Closers of a later phase still run when
 * an earlier one failed.
 */
export const STOP_PHASES = ['refuse', 'streams', 'diameter', 'http', 'store', 'socket'] as const;
export type StopPhase = (typeof STOP_PHASES)[number];

export interface Closer {
  name: string;
  phase: StopPhase;
  close: () => Promise<void> | void;
  /** ms; default 5000. */
  timeoutMs?: number;
}

export interface StopReport {
  name: string;
  phase: StopPhase;
  ok: boolean;
  ms: number;
  error?: string;
}

export class Lifecycle {
  readonly #closers: Closer[] = [];
  #stopping: Promise<StopReport[]> | undefined;
  /** True once a stop began: routes answer 503 to new work. */
  get stopping(): boolean { return this.#stopping !== undefined; }

  register(closer: Closer): void {
    this.#closers.push(closer);
  }

  /** Run every closer once, in phase order; later calls get the same promise. */
  stop(): Promise<StopReport[]> {
    this.#stopping ??= this.#run();
    return this.#stopping;
  }

  async #run(): Promise<StopReport[]> {
    const report: StopReport[] = [];
    for (const phase of STOP_PHASES) {
      const inPhase = this.#closers.filter((c) => c.phase === phase).reverse();
      for (const c of inPhase) {
        const t0 = performance.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            Promise.resolve().then(c.close),
            new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${c.timeoutMs ?? 5000} ms`)), c.timeoutMs ?? 5000); }),
          ]);
          report.push({ name: c.name, phase, ok: true, ms: Math.round(performance.now() - t0) });
        } catch (e) {
          report.push({ name: c.name, phase, ok: false, ms: Math.round(performance.now() - t0), error: (e as Error).message });
        } finally {
          clearTimeout(timer);
        }
      }
    }
    return report;
  }
}
