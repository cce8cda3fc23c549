/**
 * `--help` for omnisep: oclif's own, with each topic (command group)
 * described for what it is (src/cli/topics.ts) instead of by its first
 * subcommand's summary. Registered as `oclif.helpClass` in package.json.
 */
import { format } from 'node:util';
import { Help, type Interfaces } from '@oclif/core';
import { TOPIC_SUMMARIES } from './topics.js';
import { rootHelpKey, storeRootHelp } from './root-help.js';

const described = (t: Interfaces.Topic): Interfaces.Topic =>
  Object.hasOwn(TOPIC_SUMMARIES, t.name) ? { ...t, description: TOPIC_SUMMARIES[t.name] } : t;

export default class OmnisepHelp extends Help {
  #captured: string[] | null = null;

  /** The root help is kept as printed, so that bin/run.js can print it next time without oclif (./root-help.ts). */
  protected override async showRootHelp(): Promise<void> {
    // Kept only for the compiled commands that bin/run.js serves (bin/dev.js reads the sources).
    const key = this.opts.sendToStderr || this.config.pjson.oclif?.commands !== './dist/commands' ? null : rootHelpKey(this.config.root);
    this.#captured = key === null ? null : [];
    try {
      await super.showRootHelp();
      if (key !== null && this.#captured) storeRootHelp(this.config.root, this.#captured.join(''), key);
    } finally {
      this.#captured = null;
    }
  }

  protected override log(...args: string[]): void {
    this.#captured?.push(`${format(...args)}\n`); // what ux.stdout → console.log prints
    super.log(...args);
  }

  protected override get sortedTopics(): Interfaces.Topic[] {
    return super.sortedTopics.map(described);
  }

  protected override formatTopic(topic: Interfaces.Topic): string {
    return super.formatTopic(described(topic));
  }
}
