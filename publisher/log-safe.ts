// What the logs may say of an error (law 09-08, DOMAIN.md "privacy"). Error messages quote what
// the visitor sent: `unknown partner "…"`, `from must be a date…, got "…"`, SQLite's
// `fts5: syntax error near "…"` (the search words), Fastify's `'/fr/…?q=…' is not a valid url
// component`. Request lines already keep the path only (pathOnly); an error keeps its message up to
// the first quote, which says what went wrong without what was typed.

/** Quotes that open a value in a message: straight, single, French and curly. */
const QUOTE = /["'«“‘`]/;
/** Longest message kept. */
const MAX_MESSAGE = 300;

/** The message up to its first quoted value ("unknown partner …"). */
export function withoutValues(message: string): string {
  const at = message.search(QUOTE);
  const kept = at < 0 ? message : `${message.slice(0, at).trimEnd()} …`.trimStart();
  return kept.length > MAX_MESSAGE ? `${kept.slice(0, MAX_MESSAGE)}…` : kept;
}

/**
 * An error as a log line may hold it: its type, code, status and message without values, and its
 * stack with the first line (the message) replaced the same way.
 */
export function loggableError(error: unknown): { type: string; message: string; code?: string; statusCode?: number; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: withoutValues(String(error)) };
  const { code, statusCode } = error as Error & { code?: unknown; statusCode?: unknown };
  const message = withoutValues(error.message);
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line));
  return {
    type: error.name,
    message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof statusCode === 'number' ? { statusCode } : {}),
    ...(frames?.length ? { stack: [`${error.name}: ${message}`, ...frames].join('\n') } : {}),
  };
}
