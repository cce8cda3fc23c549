/**
 * Reading a PIN without echo (docs/vvm-sms.md § CLI): from a pipe, the first line of stdin; on a
 * terminal, a prompt on stderr with the typed characters not shown. The PIN never reaches stdout,
 * the command line (shell history) or an error message.
 */
import { UsageError } from './errors.js';

const MAX = 256;

/** One line from stdin (pipe) or a hidden prompt (TTY). Trailing CR/LF dropped. */
export async function readSecretLine(prompt: string, stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (stdin.isTTY && typeof stdin.setRawMode === 'function') return readHidden(prompt, stdin, stderr);
  let buf = '';
  for await (const chunk of stdin) {
    buf += String(chunk);
    const nl = buf.search(/\r?\n/);
    if (nl >= 0) return buf.slice(0, nl);
    if (buf.length > MAX) throw new UsageError(`the PIN on stdin is longer than ${MAX} characters`);
  }
  return buf.replace(/\r?\n$/, '');
}

function readHidden(prompt: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (s: string) => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (value.length < MAX) value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
