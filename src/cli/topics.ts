/**
 * One-line descriptions of the command groups (oclif topics), for `--help`
 * and the man pages. package.json `oclif.topics` wins when it names a group;
 * a group not listed anywhere is described by its subcommands.
 */
export const TOPIC_SUMMARIES: Readonly<Record<string, string>> = {
  activity: 'Read the activity log: list, show one record, follow live.',
  aaa: 'The built-in AAA server for labs.',
  config: 'Check a configuration file, show the daemon\'s effective configuration.',
  db: 'Work on a store while no daemon runs: migrate its schema, copy it to another driver.',
  diameter: 'Diameter peers and their state.',
  enterprise: 'Enterprises of server-initiated ODSA (ap2011): the app servers allowed to act for them, their plans and devices.',
  entitlement: 'Per-subscriber TS.43 entitlement overrides: set, get, list, remove.',
  monitor: 'Interactive terminal view of the running daemon.',
  odsa: 'ODSA eSIM subscriptions: companion devices and primary devices (list, show, remove).',
  push: 'Push notifications on change (TS.43 §2.6): the backlog.',
  serve: 'Run the daemon in the foreground.',
  sessions: 'EAP-AKA sessions held by the daemon: list, show, drop.',
  simulate: 'Play a phone against the daemon (EAP-AKA with Milenage).',
  status: 'The daemon\'s status and where each service listens.',
  subscriber: 'The local subscriber store (Ki, OPc, SQN; keys are never printed).',
  tokens: 'TS.43 re-authentication and ODSA temporary tokens: list, show, revoke.',
  vvm: 'Visual voicemail: accounts, deposits, greetings and the OMTP SMS (STATUS, SYNC) sent through the SMS gateway.',
  'vvm:account': 'Visual-voicemail accounts: add, list, show, remove, block, unblock, set the PIN.',
  'vvm:greeting': 'Greetings of a visual-voicemail account: list, upload, remove.',
  'vvm:sms': 'OMTP SMS: send STATUS or SYNC now, list the backlog waiting for the gateway.',
  xcap: 'XCAP simservs documents per MSISDN.',
};
