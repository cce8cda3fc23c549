/** The admin/control API contract, shared by the daemon's routes and the CLI's client. */
export * from './common.js';
export * from './status.js';
export * from './entitlements.js';
export * from './entitlement-apps.js';
export * from './activity.js';
export * from './sessions.js';
export * from './tokens.js';
export * from './diameter.js';
export * from './events.js';
export * from './routes.js';
export {
  configSchema, type OmnisepConfig, ConfigError, resolveConfig, redactConfig, describeConfig, defaultConfig,
  defaultSocketPath, ConfigView, SECRET_KEYS, SAMPLE_SIGNING_SECRET, ENV_OVERRIDES, parseSet,
} from './config.js';
