/** Masking of credentials in everything the initializer prints or throws. */
import { errorMessage } from './errors.js';

/** What a masked secret is replaced with. */
export const MASK = '***';

/**
 * Remembers the secrets of a run (access keys, HTTP header values, URL passwords) and masks them in any
 * text. Each secret is also masked in its URL-encoded form, since a secret can travel in a URL.
 *
 * @example
 * const redactor = new Redactor(['AKIA123', 'sekrit']);
 * redactor.redact('key AKIA123 rejected'); // 'key *** rejected'
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Adds a secret; empty and undefined values are ignored. */
  add(secret: string | undefined): void {
    if (!secret) return;
    this.#secrets.add(secret);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) this.#secrets.add(encoded);
  }

  /** The text with every known secret and every password in a `scheme://user:password@host` URL masked. */
  redact(text: string): string {
    // Longest first, so a secret that contains another is masked whole.
    let out = text;
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join(MASK);
    return maskUrlPasswords(out);
  }

  /** An Error with the masked message of `error` (and its name and code), safe to keep as a `cause`. */
  sanitize(error: unknown): Error {
    const source = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; code?: unknown };
    const safe = new Error(this.redact(errorMessage(error)));
    if (typeof source.name === 'string') safe.name = source.name;
    const code = source.code;
    if (typeof code === 'string') (safe as Error & { code?: string }).code = code;
    return safe;
  }
}

/** Masks the password (or the lone user token) in the userinfo part of every URL in `text`. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]*)(?::([^/\s@]*))?@/gi, (_match, scheme: string, user: string, password?: string) =>
    password === undefined ? `${scheme}${MASK}@` : `${scheme}${user}:${MASK}@`,
  );
}
