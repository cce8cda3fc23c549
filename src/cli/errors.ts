/**
 * The CLI's error classes. They are defined with the control client
 * (`src/client/errors.ts`), which throws most of them; this module keeps the
 * name the commands import them by.
 */
export { ApiError, CliError, ConfigRefusedError, DaemonUnreachableError, OperationalError, UsageError } from '../client/errors.js';
