/**
 * Flags every command shares (CLI.md: "Every command: --socket, --json").
 * `--url`/`--api-key`/`--insecure` point a command at a remote admin
 * listener instead of the local socket (same routes, bearer token).
 */
import { Flags } from '@oclif/core';

export const GLOBAL_GROUP = 'GLOBAL';

/** The order the CLI finds the daemon in (src/cli/socket-path.ts), said in every command's --help. */
export const SOCKET_ORDER =
  'The socket is found the same way from any directory, first that applies: --socket, else OMNISEP_SOCKET; the daemon\'s config (--config, else OMNISEP_CONFIG): its control.socket; $XDG_RUNTIME_DIR/omnisep.sock; the data dir\'s omnisep.sock (the config\'s storage.data_dir, default ./data) as an absolute path; with no config and nothing at ./data/omnisep.sock, the last daemon this user started on its default data-dir socket ($TMPDIR/omnisep-UID/last.sock). --url wins over all of them.';

export const socketFlag = Flags.string({
  summary: 'Control socket; else OMNISEP_SOCKET, the --config file\'s, $XDG_RUNTIME_DIR/omnisep.sock, the data dir\'s, the last daemon started.',
  description: `Path of the daemon's control socket. ${SOCKET_ORDER}`,
  env: 'OMNISEP_SOCKET',
  helpValue: 'PATH',
  helpGroup: GLOBAL_GROUP,
});

export const configFlag = Flags.string({
  summary: 'The daemon\'s config file: find its socket from it.',
  description: 'The file `omnisep serve --config` was started with: the CLI takes control.socket, else the data dir\'s socket, from it (nothing else). A relative storage.data_dir is resolved against the current directory: use absolute paths in a shared config.',
  env: 'OMNISEP_CONFIG',
  helpValue: 'FILE',
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
  config: configFlag,
  json: jsonFlag,
  url: urlFlag,
  'api-key': apiKeyFlag,
  insecure: insecureFlag,
  cacert: cacertFlag,
};
