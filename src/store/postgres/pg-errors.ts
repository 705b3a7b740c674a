import { AgentrunError, DatabaseRefusedError, DatabaseUnavailableError } from '../../errors.js';

// SQLSTATEs a person must act on (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const REFUSED: Record<string, string> = {
  '28000': 'not allowed to connect (unknown role, or no pg_hba.conf entry)',
  '3D000': 'the database does not exist',
  '42501': 'permission denied',
  '53300': 'too many connections',
};
// Classes meaning "the server went away or is not ready": retrying later works.
const UNAVAILABLE_CLASSES = ['08', '57P', '53'];
/**
 * pg's own errors when the server asks for a password and none was given (not in the URL, PGPASSWORD or ~/.pgpass):
 * SCRAM (`SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string`) and the older methods.
 */
const NO_PASSWORD = /client password must be a (non-empty )?string|^Password must be a string/;
/** The driver's own TLS refusals: the server has no TLS, or its certificate or SCRAM signature did not check out. */
const TLS_REFUSED: [RegExp, string][] = [
  [/^The server does not support SSL connections/, 'the server does not accept TLS connections (the URL asks for them: sslmode or ssl)'],
  [/server signature does not match/i, "the server's SCRAM signature did not match: it may not be the server the URL names"],
];
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;
const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running?)',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'the connection was closed',
  EAI_AGAIN: 'the host name could not be resolved (temporary)',
};

/** True when the error says the connection to the server is gone or could not be made (not a statement's own error). */
export function isConnectionError(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  if (code && (code in NETWORK || UNAVAILABLE_CLASSES.some((prefix) => code.startsWith(prefix)))) return code !== '53300';
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(message ?? '');
}

/**
 * The one-line error for a failure to reach or use the server at `where` (a redacted URL), while connecting or while
 * working on an open connection. Errors of a statement itself (a constraint, a syntax error) come back unchanged.
 */
export function describePgError(error: unknown, where: string, when: 'connecting' | 'working'): unknown {
  if (error instanceof AgentrunError) return error;
  const { code } = error as { code?: string };
  if (code === 'ENOTFOUND') return new DatabaseRefusedError(`cannot connect to ${where}: unknown host`, { cause: error });
  // 28P01: with password authentication the server answers a role that does not exist alike, not to tell which exist.
  if (code === '28P01') return new DatabaseRefusedError(`cannot use ${where}: password authentication failed${forUser(where)} (a wrong password, or no such role)`, { cause: error });
  if (code && code in REFUSED && code !== '53300') return new DatabaseRefusedError(`cannot use ${where}: ${REFUSED[code]}`, { cause: error });
  const text = (error as Error).message ?? '';
  const tls = TLS_REFUSED.find(([pattern]) => pattern.test(text));
  if (tls) return new DatabaseRefusedError(`cannot use ${where}: ${tls[1]}`, { cause: error });
  if (code && CERTIFICATE.test(code)) {
    return new DatabaseRefusedError(`cannot use ${where}: the server's TLS certificate was not accepted (${code}: ${firstLine(text)}); see sslmode in docs/storage.md`, { cause: error });
  }
  // 57014: statement_timeout (set in the URL's options, the role or the database) or pg_cancel_backend.
  if (code === '57014') {
    return new DatabaseUnavailableError(`${where}: the server cancelled a statement (a statement_timeout, or pg_cancel_backend); nothing committed is lost, run the command again`, { cause: error });
  }
  if (!code && NO_PASSWORD.test(text)) {
    return new DatabaseRefusedError(`cannot use ${where}: the server asks for a password and none was given (put it in the URL, or in PGPASSWORD or ~/.pgpass)`, { cause: error });
  }
  if (isConnectionError(error) || code === '53300') {
    const why = (code && (NETWORK[code] ?? REFUSED[code])) ?? firstLine((error as Error).message);
    const message =
      when === 'connecting'
        ? `cannot reach ${where}: ${why}; try again when it is back`
        : `lost the connection to ${where}: ${why}; nothing committed is lost, run the command again when it is back`;
    return new DatabaseUnavailableError(message, { cause: error });
  }
  return error;
}

/** ` for user "NAME"` from the (redacted) URL, quoted with JSON's escapes so the message stays one line; nothing without one. */
function forUser(where: string): string {
  try {
    const user = decodeURIComponent(new URL(where).username);
    return user ? ` for user ${JSON.stringify(user)}` : '';
  } catch {
    return '';
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? 'unknown error').split('\n')[0]!.slice(0, 200);
}
