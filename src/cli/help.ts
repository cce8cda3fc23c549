/**
 * `--help` for omnisep: oclif's own, with each topic (command group)
 * described for what it is (src/cli/topics.ts) instead of by its first
 * subcommand's summary. Registered as `oclif.helpClass` in package.json.
 */
import { Help, type Interfaces } from '@oclif/core';
import { TOPIC_SUMMARIES } from './topics.js';

const described = (t: Interfaces.Topic): Interfaces.Topic =>
  Object.hasOwn(TOPIC_SUMMARIES, t.name) ? { ...t, description: TOPIC_SUMMARIES[t.name] } : t;

export default class OmnisepHelp extends Help {
  protected override get sortedTopics(): Interfaces.Topic[] {
    return super.sortedTopics.map(described);
  }

  protected override formatTopic(topic: Interfaces.Topic): string {
    return super.formatTopic(described(topic));
  }
}
