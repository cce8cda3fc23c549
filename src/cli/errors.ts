/**
 * The CLI's error classes. They are defined with the control client
 * (`src/client/errors.ts`), which throws most of them; this module keeps the
 * name the commands import them by.
 */
export { ApiError, CliError, ConfigRefusedError, DataRefusedError, DaemonUnreachableError, EXIT, OperationalError, RejectedError, UnavailableError, UsageError, type ExitCode } from '../client/errors.js';
