// The ack link's HTML pages: self-contained (inline style, no script, no external asset), every value escaped.
// Served with a Content-Security-Policy that allows nothing else, and no-referrer / no-store (the URL is a secret).

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px;word-break:break-all}
label{display:block;margin:1rem 0 .3rem}input[type=text]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;cursor:pointer}.muted{color:#666;font-size:.9rem}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

/** GET /ack/<token>: what will be acknowledged, and the form that does it (a GET never acknowledges: link previews follow GETs). */
export function confirmPage(workflowId: string, expiresAt: Date, problem?: string, by = ''): string {
  return page(
    'Acknowledge this alert?',
    `<p>Acknowledging tells everyone that you are taking this incident: its escalation stops.</p>
<p>Delivery <code>${escapeHtml(workflowId)}</code></p>
${problem ? `<p><strong>${escapeHtml(problem)}</strong></p>` : ''}<form method="post">
<label for="by">Your name</label>
<input type="text" id="by" name="by" required maxlength="128" autocomplete="name" value="${escapeHtml(by)}">
<button type="submit">Acknowledge</button>
</form>
<p class="muted">This link works until ${escapeHtml(expiresAt.toISOString())}.</p>`,
  );
}

export function messagePage(title: string, message: string, detail?: string): string {
  return page(title, `<p>${escapeHtml(message)}</p>${detail ? `\n<p class="muted">${escapeHtml(detail)}</p>` : ''}`);
}
