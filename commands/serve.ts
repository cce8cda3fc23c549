/**
 * `omnisep serve`: run the daemon in the foreground (systemd-friendly). The
 * only command that imports daemon/: parse flags → load config → startDaemon
 * → print where each service listens → wait for a signal.
 */
import { Flags } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { runServe } from '../daemon/serve-run.js';
import { LOG_LEVELS } from '../src/cli/lean-serve.js';

const port = (key: string) => Flags.integer({ min: 0, max: 65535, description: `listen port (overrides ${key}); 0 picks a free port, shown in the banner and GET /api/status`, helpGroup: 'LISTENERS' });

export default class Serve extends BaseCommand<typeof Serve, void> {
  // A server, not a client of the control socket: none of the client flags, no --json.
  static override baseFlags = {} as (typeof BaseCommand)['baseFlags'];
  static override enableJsonFlag = false;

  static override summary = 'Run the omnisep daemon in the foreground.';
  static override description = `Starts the public HTTP server (TS.43, XCAP, /health), the admin API (TLS, bearer token), the control socket the CLI talks to, and — per config — the Diameter node and the built-in AAA. Logs JSON lines to stdout (pretty on a TTY or with --pretty) and prints where each service listens on stderr.

A refused configuration (every problem listed at once) exits 78 (EX_CONFIG); other refused starts exit 1.

Configuration: defaults ← the --config file (YAML; JSON is YAML too) ← environment (OMNI_SEP_FQDN, OMNI_SEP_TOKEN_SECRET, DIAMETER_HOST, DIAMETER_REALM, AAA_PEER_HOST, AAA_PEER_IP, OMNISEP_SOCKET) ← --set key.path=value ← the dedicated flags. Every key is described in omnisep.conf(5).

SIGTERM or SIGINT stops gracefully: refuse new work, end event streams, Diameter DPR, drain HTTP, flush storage, remove the socket. SIGHUP reloads the log level, activity retention, entitlement defaults, admin API keys and metrics switch, and says which changed keys need a restart.`;

  static override examples = [
    { description: 'Run on embedded defaults (data under ./data)', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Run with a config file and a production data dir', command: '<%= config.bin %> <%= command.id %> --config /etc/omnisep/omnisep.yaml --data-dir /var/lib/omnisep' },
    { description: 'Pick free ports, no TLS on the admin API (development)', command: '<%= config.bin %> <%= command.id %> --http-port 0 --api-port 0 --no-tls' },
    { description: 'Override any key', command: '<%= config.bin %> <%= command.id %> --set token.validity_seconds=3600 --set admin.api_keys=0123456789abcdef0123' },
  ];

  static override flags = {
    config: Flags.string({ char: 'c', description: 'config file (YAML or JSON); env OMNISEP_CONFIG', env: 'OMNISEP_CONFIG' }),
    'data-dir': Flags.string({ description: 'data directory (overrides storage.data_dir)' }),
    socket: Flags.string({ description: 'control socket path (overrides control.socket; default $XDG_RUNTIME_DIR/omnisep.sock, else <data-dir>/omnisep.sock); env OMNISEP_SOCKET' }),
    set: Flags.string({ description: 'override a config key: key.path=value (repeatable)', multiple: true, default: [] }),
    'http-port': port('http.port'),
    'api-port': port('admin.port'),
    'diameter-port': port('diameter.listen_port'),
    'aaa-port': port('aaa.listen_port'),
    'imap-port': port('vvm.imap_port'),
    tls: Flags.boolean({ allowNo: true, description: 'TLS on the admin API (default on; --no-tls for development)' }),
    pretty: Flags.boolean({ allowNo: true, description: 'human-readable logs (default: when stdout is a TTY)' }),
    'log-level': Flags.string({ options: LOG_LEVELS, description: 'log level (overrides log.level)' }),
    ephemeral: Flags.boolean({ description: 'keep everything in memory (storage.driver=memory): nothing survives a restart' }),
  };

  /** It logs as it runs; nothing is left to print when it stops. */
  protected render(): string {
    return '';
  }

  async run(): Promise<void> {
    await runServe(this.flags);
  }
}
