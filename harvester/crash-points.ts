// Fault injection for the crash tests. When the environment names a step of a harvest in
// PORTAL_CRASH_AT, the process kills itself with SIGKILL on reaching that step: a test crashes a
// real `portal harvest` at a known point of its work instead of guessing a moment with a timer
// (which lands elsewhere, or after the end, on a busy machine). Unset, a step costs one lookup.
//
// Steps (`P/S` is a source, `partner/source`):
//   fetched:P/S      the connector has answered, nothing of the source is normalised yet
//   read:P/S:N       N items of the source are normalised (sanitised, dated), none written
//   writing:P/S      inside the source's transaction: every item row and index entry written,
//                    not committed
//   committed:P/S    the source's transaction is committed; the run is not finished

/** The environment variable naming the step at which the process kills itself. */
export const CRASH_AT_ENV = 'PORTAL_CRASH_AT';

export function crashPoint(step: string): void {
  if (process.env[CRASH_AT_ENV] === step) process.kill(process.pid, 'SIGKILL');
}
