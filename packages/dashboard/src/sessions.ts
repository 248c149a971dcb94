/**
 * Who is signed in: a session per browser, keyed by a random id kept in an HttpOnly, SameSite=Strict
 * cookie (Secure over TLS). A session holds the user's Kubernetes bearer token; the dashboard has no
 * Kubernetes credentials of its own for users' requests. One-time sign-in codes (the link `sedna up`
 * prints) trade a token for a session once, within their lifetime.
 */
import { randomBytes } from 'node:crypto';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'sedna_dashboard';

/**
 * Why a request has no session, as the 401 answers and the sign-in page say it: `none` (no cookie),
 * `expired` (idle too long, or ended long enough ago to be forgotten), `signed-out`, `token-refused`
 * (the API server or the GM stopped accepting the session's token: it expired or was revoked), or
 * `restarted` (a session of an earlier run of the dashboard: sessions live in its memory).
 */
export type SignedOutReason = 'none' | 'expired' | 'signed-out' | 'token-refused' | 'restarted';

/** The reasons of {@link SignedOutReason}, for checking a query parameter. */
export const SIGNED_OUT_REASONS: readonly SignedOutReason[] = ['none', 'expired', 'signed-out', 'token-refused', 'restarted'];

/** How many ended sessions are remembered with their reason (the oldest are forgotten first). */
const MAX_ENDED = 10_000;

/** A signed-in user: the bearer token every request to the Kubernetes API and the GM carries. */
export interface Session {
  id: string;
  token: string;
  createdAt: number;
  lastSeen: number;
}

/** Options of a {@link SessionStore}. */
export interface SessionStoreOptions {
  /** A session unused this long is forgotten (default 12 h). */
  idleMs?: number;
  /** A one-time code is good this long (default 24 h). */
  codeMs?: number;
  now?: () => number;
}

/**
 * Sessions and one-time sign-in codes, in memory: a restart of the dashboard signs everyone out. A
 * session id starts with the id of this run (`<run>.<random>`), so a cookie of an earlier run reads as
 * a restart; an ended session's reason is remembered (the last {@link MAX_ENDED}) to say why it ended.
 */
export class SessionStore {
  /** The id of this run of the dashboard: the first part of every session id it gives. */
  readonly run = randomBytes(9).toString('base64url');
  private readonly sessions = new Map<string, Session>();
  private readonly ended = new Map<string, Exclude<SignedOutReason, 'none' | 'restarted'>>();
  private readonly codes = new Map<string, { token: string; expires: number }>();
  private readonly idleMs: number;
  private readonly codeMs: number;
  private readonly now: () => number;

  constructor(options: SessionStoreOptions = {}) {
    this.idleMs = options.idleMs ?? 12 * 3600_000;
    this.codeMs = options.codeMs ?? 24 * 3600_000;
    this.now = options.now ?? Date.now;
  }

  /** A new session for `token`. */
  create(token: string): Session {
    const now = this.now();
    const session: Session = { id: `${this.run}.${randomBytes(32).toString('base64url')}`, token, createdAt: now, lastSeen: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session of `id`, or undefined (unknown, or idle too long: then ended as `expired`). */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.now();
    if (now - session.lastSeen > this.idleMs) {
      this.end(id, 'expired');
      return undefined;
    }
    session.lastSeen = now;
    return session;
  }

  /** Ends a session, remembering why (`signed-out`, `token-refused`, `expired`). */
  end(id: string | undefined, reason: Exclude<SignedOutReason, 'none' | 'restarted'>): void {
    if (!id || !this.sessions.delete(id)) return;
    this.ended.set(id, reason);
    if (this.ended.size > MAX_ENDED) this.ended.delete(this.ended.keys().next().value as string);
  }

  /** Why `id` (a cookie's value, or undefined) names no session now; see {@link SignedOutReason}. */
  whyNot(id: string | undefined): SignedOutReason {
    if (!id) return 'none';
    const ended = this.ended.get(id);
    if (ended) return ended;
    // Of this run, but not remembered: it ended long ago.
    return id.startsWith(`${this.run}.`) ? 'expired' : 'restarted';
  }

  /** A code that signs in once as `token`. */
  oneTimeCode(token: string): string {
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, { token, expires: this.now() + this.codeMs });
    return code;
  }

  /** The token of a one-time code, which is used up; undefined when unknown, used or expired. */
  redeem(code: string): string | undefined {
    const entry = this.codes.get(code);
    if (!entry) return undefined;
    this.codes.delete(code);
    return entry.expires >= this.now() ? entry.token : undefined;
  }
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The Set-Cookie value of a session (or of its removal when `id` is empty). `maxAgeSeconds` bounds a
 * cookie that names an ended session (see the sign-out route).
 */
export function sessionCookie(id: string, secure: boolean, maxAgeSeconds?: number): string {
  const attrs = [`${SESSION_COOKIE}=${id}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (secure) attrs.push('Secure');
  if (!id) attrs.push('Max-Age=0');
  else if (maxAgeSeconds !== undefined) attrs.push(`Max-Age=${maxAgeSeconds}`);
  return attrs.join('; ');
}

/** How long the browser keeps a signed-out session's id, so its other tabs learn why they are out. */
export const SIGNED_OUT_COOKIE_SECONDS = 3600;
