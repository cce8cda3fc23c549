/**
 * oclif `command_not_found` hook: a mistyped command is a usage error (exit
 * 2) that names what was typed with spaces, as the user typed it, and the
 * closest command with its arguments ready to paste. With --json the same
 * `{"error", "code"}` object as every other failure is printed on stdout.
 */
import { Errors, type Hook } from '@oclif/core';
import { colorEnabled, makeChalk } from '../output.js';
import { suggestCommand } from '../suggest.js';

const hook: Hook.CommandNotFound = async function (opts) {
  const { id, argv = [], config } = opts;
  const typed = id.split(':').join(' ');
  const known = [...config.commandIDs, ...config.topics.map((t) => t.name)];
  const s = suggestCommand(id, known);
  const flags = argv.filter((a) => a.startsWith('-'));
  const message = s
    ? `"${typed}" is not an ${config.bin} command; did you mean: ${[config.bin, s.command, ...s.rest, ...flags].join(' ')}${config.findCommand(s.command.split(' ').join(':')) ? '' : ` (see: ${config.bin} ${s.command} --help)`}`
    : `"${typed}" is not an ${config.bin} command; see: ${config.bin} --help`;
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: message, code: 'OMNISEP_CLI_USAGE' }, null, 2)}\n`);
  const c = makeChalk(colorEnabled({ isTTY: Boolean(process.stderr.isTTY), env: process.env }));
  process.stderr.write(`${c.red(message)}\n`);
  throw new Errors.ExitError(2);
};

export default hook;
