/** The sign-in page: the only page served without a session, self-contained (no script, no CDN). */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The HTML of the sign-in page, with `message` (an earlier failure) when given. */
export function loginPage(message?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Sedna dashboard</title>
<style>
body{font:16px system-ui,sans-serif;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;background:#f4f6f8;color:#1b2530}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:min(28rem,90vw);box-sizing:border-box}
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;margin-bottom:.4rem}
textarea{width:100%;box-sizing:border-box;min-height:6rem;font:13px monospace}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;border:0;border-radius:4px;background:#2563eb;color:#fff}
.error{color:#b91c1c;margin:0 0 1rem}p.hint{color:#555;font-size:.9rem}
</style></head><body>
<form method="post" action="/login">
<h1>Sedna dashboard</h1>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<label for="token">Kubernetes bearer token</label>
<textarea id="token" name="token" required autocomplete="off" spellcheck="false"></textarea>
<p class="hint">Every request the dashboard makes carries this token: you see and change what its RBAC allows. <code>kubectl create token NAME</code> gives one.</p>
<button type="submit">Sign in</button>
</form></body></html>`;
}
