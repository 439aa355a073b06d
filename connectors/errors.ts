// Every failure of a fetch or a parse is classified with one of the contract's error codes and a
// message an operator understands (Miniflux reader/fetcher/response_handler.go does the same).
import { type ErrorCode } from '../config/index.ts';

export class HarvestError extends Error {
  override readonly name = 'HarvestError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { httpStatus?: number; retryAfter?: Date; url?: string } = {},
  ) {
    super(message);
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'EPROTO',
]);

const TLS_EXPLANATIONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the site presents a self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'the site presents a certificate chain with a self-signed certificate',
  CERT_HAS_EXPIRED: 'the site\'s certificate has expired',
  CERT_NOT_YET_VALID: 'the site\'s certificate is not valid yet',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the site\'s certificate cannot be verified (incomplete chain)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the site\'s certificate is for another host name',
};

/** The first error in a chain of `cause`s that carries a system or TLS code. */
function rootCause(error: unknown): { code?: string; message: string; name?: string } {
  let current = error as { code?: string; message?: string; name?: string; cause?: unknown } | undefined;
  let best = { code: current?.code, message: current?.message ?? String(error), name: current?.name };
  for (let depth = 0; current && depth < 6; depth++) {
    if (current.code && (TLS_CODES.has(current.code) || /^E[A-Z]+$/.test(current.code) || current.code.startsWith('UND_ERR'))) {
      return { code: current.code, message: current.message ?? '', name: current.name };
    }
    current = current.cause as typeof current;
    if (current) best = { code: current.code ?? best.code, message: current.message ?? best.message, name: current.name ?? best.name };
  }
  return best;
}

/** Classifies an exception thrown while fetching `url` into a HarvestError. */
export function classifyNetworkError(error: unknown, url: string, timeoutMs: number): HarvestError {
  // A HarvestError raised inside the socket layer (a refused private address) arrives wrapped.
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 6; e = e.cause as typeof e, depth++) {
    if (e instanceof HarvestError) return e;
  }
  const cause = rootCause(error);
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  const name = (error as { name?: string })?.name;
  if (
    name === 'TimeoutError' ||
    cause.name === 'TimeoutError' ||
    cause.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    cause.code === 'UND_ERR_BODY_TIMEOUT' ||
    cause.code === 'UND_ERR_CONNECT_TIMEOUT' ||
    cause.code === 'ETIMEDOUT'
  ) {
    return new HarvestError('timeout', `${host} did not answer completely within ${Math.round(timeoutMs / 1000)} s`, { url });
  }
  if (cause.code && TLS_CODES.has(cause.code)) {
    const why = TLS_EXPLANATIONS[cause.code] ?? `the secure connection failed (${cause.code})`;
    return new HarvestError('tls', `${host}: ${why}; certificate verification stays on, ask the partner to fix it`, { url });
  }
  switch (cause.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new HarvestError('network', `the host name ${host} cannot be resolved (DNS)`, { url });
    case 'ECONNREFUSED':
      return new HarvestError('network', `${host} refused the connection (the site may be down)`, { url });
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return new HarvestError('network', `${host} closed the connection before the answer was complete`, { url });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new HarvestError('network', `${host} cannot be reached from the portal's network`, { url });
    default:
      return new HarvestError('network', `${host}: ${cause.message || 'network error'}${cause.code ? ` (${cause.code})` : ''}`, { url });
  }
}
