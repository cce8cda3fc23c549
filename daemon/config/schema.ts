/**
 * The config schema lives in src/contracts/config.ts so that the CLI
 * (`config check`, man page generator) can use it without importing daemon/.
 */
export { configSchema, type OmnisepConfig, describeConfig, SECRET_KEYS, ENV_OVERRIDES, SAMPLE_SIGNING_SECRET } from '../../src/contracts/config.js';
