/**
 * The sign-in page: the only page served without a session, with no CDN. It says why the user is there
 * (the session expired, the dashboard restarted, ...) and carries the page to return to after signing
 * in (`next`); its one script, /login.js, adds the page's `#route` to it (a server never sees a hash).
 */
import type { SignedOutReason } from './sessions.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What a request without a session is told, by reason (the 401 answers and the sign-in page). */
export const SIGNED_OUT_MESSAGES: Record<SignedOutReason, string> = {
  none: 'Sign in first: every request of the dashboard carries your Kubernetes bearer token.',
  expired: 'Your session expired (it was not used for too long): sign in again.',
  'signed-out': 'You signed out: sign in again to go on.',
  'token-refused': 'The API server no longer accepts your token (it expired or was revoked): sign in with a new one.',
  restarted: 'The dashboard restarted and forgot its sessions (it keeps them in memory only): sign in again.',
};

/**
 * The page to go to after signing in: `next` when it is a path of this site (not a sign-in route),
 * else `/`. It goes into a Location header, so nothing but a plain path, query and fragment passes.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || next.length > 2048 || !next.startsWith('/') || next.startsWith('//')) return '/';
  // No control characters, spaces or backslashes (browsers read `/\host` as another site).
  if (/[\u0000-\u0020\u007f\\]/.test(next)) return '/';
  if (/^\/(?:login|logout)(?:[/?#.]|$)/.test(next)) return '/';
  return next;
}

/**
 * The script of the sign-in page (served as /login.js: the page's Content-Security-Policy allows no
 * inline script): the `#route` the browser kept through the redirect to /login is added to `next`.
 */
export const LOGIN_SCRIPT = `const next = document.querySelector('input[name="next"]');
if (next && location.hash.length > 1 && !next.value.includes('#')) next.value = (next.value || '/') + location.hash;
`;

/** What the sign-in page shows besides the form. */
export interface LoginPageOptions {
  /** Why the user has to sign in (see {@link SIGNED_OUT_MESSAGES}); nothing for `none`. */
  reason?: SignedOutReason;
  /** The page to return to after signing in (a path of this site; see {@link safeNext}). */
  next?: string;
}

/** The HTML of the sign-in page, with `message` (an earlier failure) when given. */
export function loginPage(message?: string, options: LoginPageOptions = {}): string {
  const next = options.next && safeNext(options.next) !== '/' ? safeNext(options.next) : '';
  const reason = options.reason && options.reason !== 'none' ? options.reason : undefined;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Sedna dashboard</title>
<style>
body{font:16px system-ui,sans-serif;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;background:#f4f6f8;color:#1b2530}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:min(28rem,90vw);box-sizing:border-box}
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;margin-bottom:.4rem}
textarea{width:100%;box-sizing:border-box;min-height:6rem;font:13px monospace}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;border:0;border-radius:4px;background:#2563eb;color:#fff}
.error{color:#b91c1c;margin:0 0 1rem}.notice{background:#fef3c7;padding:.6rem;border-radius:4px;margin:0 0 1rem}p.hint{color:#555;font-size:.9rem}
</style><script src="/login.js" defer></script></head><body>
<form method="post" action="/login">
<h1>Sedna dashboard</h1>
${reason ? `<p class="notice" role="status" data-reason="${reason}">${escapeHtml(SIGNED_OUT_MESSAGES[reason])}${next ? ' You will be back on the page you were on.' : ''}</p>` : ''}
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label for="token">Kubernetes bearer token</label>
<textarea id="token" name="token" required autocomplete="off" spellcheck="false"></textarea>
<p class="hint">Every request the dashboard makes carries this token: you see and change what its RBAC allows. <code>kubectl create token NAME</code> gives one.</p>
<button type="submit">Sign in</button>
</form></body></html>`;
}
