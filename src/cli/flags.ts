/**
 * Flags every command shares (CLI.md: "Every command: --socket, --json").
 * `--url`/`--api-key`/`--insecure` point a command at a remote admin
 * listener instead of the local socket (same routes, bearer token).
 */
import { Flags } from '@oclif/core';
import { defaultSocketPath as daemonSocketPath } from '../contracts/config.js';

/**
 * The control socket the daemon binds when not told otherwise (CLI.md § The
 * control socket): `$XDG_RUNTIME_DIR/omnisep.sock`, else
 * `<data_dir>/omnisep.sock` with the default data dir `./data` — the same
 * function the daemon uses, so the two cannot disagree.
 */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env, dataDir = './data'): string {
  return daemonSocketPath({ env, dataDir });
}

export const GLOBAL_GROUP = 'GLOBAL';

export const socketFlag = Flags.string({
  summary: 'Control socket of the daemon.',
  description:
    'Path of the daemon\'s control socket. Default: $XDG_RUNTIME_DIR/omnisep.sock, else ./data/omnisep.sock (the daemon\'s data dir).',
  env: 'OMNISEP_SOCKET',
  helpValue: 'PATH',
  helpGroup: GLOBAL_GROUP,
});

export const jsonFlag = Flags.boolean({
  summary: 'Print the API answer as JSON, unchanged.',
  description: 'Machine output: the daemon\'s JSON body exactly as the API returns it (field names as docs/admin-api.md). Errors print {"error", "code"} on stdout too.',
  default: false,
  helpGroup: GLOBAL_GROUP,
});

export const urlFlag = Flags.string({
  summary: 'Talk to a remote admin API instead of the socket.',
  description: 'Base URL of the admin listener, e.g. https://sep1.example.net:8443. Needs --api-key (or OMNISEP_API_KEY). Wins over --socket.',
  env: 'OMNISEP_URL',
  helpValue: 'URL',
  helpGroup: GLOBAL_GROUP,
});

export const apiKeyFlag = Flags.string({
  summary: 'Bearer token for --url (one of admin.api_keys).',
  description: 'Ignored on the control socket, whose file mode is its access control. Prefer the OMNISEP_API_KEY environment variable: a flag value is visible to other users in the process list.',
  env: 'OMNISEP_API_KEY',
  helpValue: 'KEY',
  helpGroup: GLOBAL_GROUP,
});

export const insecureFlag = Flags.boolean({
  summary: 'Accept a self-signed TLS certificate on --url.',
  helpGroup: GLOBAL_GROUP,
  dependsOn: ['url'],
});

export const cacertFlag = Flags.string({
  summary: 'Trust this CA or certificate (PEM) for --url.',
  description: 'PEM file of the CA that signed the admin listener\'s certificate, or the self-signed certificate itself (a development daemon writes it to DATA_DIR/tls/admin-cert.pem). The system CAs are trusted without it; NODE_EXTRA_CA_CERTS also works.',
  env: 'OMNISEP_CACERT',
  helpValue: 'FILE',
  helpGroup: GLOBAL_GROUP,
  dependsOn: ['url'],
  exclusive: ['insecure'],
});

export const baseFlags = {
  socket: socketFlag,
  json: jsonFlag,
  url: urlFlag,
  'api-key': apiKeyFlag,
  insecure: insecureFlag,
  cacert: cacertFlag,
};
