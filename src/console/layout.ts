// The console's page frame: head (its stylesheet and htmx, served by the console itself), a skip link, the
// navigation, who is logged in with the log-out button, and the page's main content. Templates are ghtml tagged
// templates: every `${value}` is HTML-escaped; `!${…}` (raw) only ever takes what another template rendered.
import { html } from 'ghtml';
import type { Identity } from './identity';

export const BASE = '/console';
export type Section = 'now' | 'silences' | 'oncall' | 'login';

export interface Frame {
  title: string;
  section: Section;
  who?: Identity;
  /** The CSRF token of the log-out form (and the page's own forms). */
  csrf?: string;
  body: string;
}

const NAV: [Section, string, string][] = [['now', 'Now', `${BASE}/`], ['silences', 'Silences', `${BASE}/silences`], ['oncall', 'On call', `${BASE}/oncall`]];

export function page(f: Frame): string {
  const nav = f.who ? html`<nav aria-label="Console"><ul>!${NAV.map(([id, label, href]) => html`<li><a href="${href}"!${id === f.section ? ' aria-current="page"' : ''}>${label}</a></li>`)}</ul></nav>
    <form class="logout" method="post" action="${BASE}/logout"><input type="hidden" name="_csrf" value="${f.csrf ?? ''}"><span>${f.who.name}</span> <button type="submit">Log out</button></form>` : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"historyCacheSize":0}'>
<title>${f.title} · Alert console</title>
<link rel="stylesheet" href="${BASE}/assets/console.css">
<script src="${BASE}/assets/htmx.min.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><span class="brand">Alert console</span>!${nav}</header>
<main id="main" tabindex="-1">
<h1>${f.title}</h1>
!${f.body}
</main>
</body>
</html>`;
}

/** A notice above a page's content: `kind` ok (role status) or error (role alert). */
export const notice = (kind: 'ok' | 'error', text: string): string =>
  html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;

/** The hidden CSRF field of a form. */
export const csrfField = (token: string): string => html`<input type="hidden" name="_csrf" value="${token}">`;

/** An instant as people read it (UTC, to the second), with the machine-readable value. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return html`${iso}`;
  return html`<time datetime="${d.toISOString()}">${d.toISOString().replace('T', ' ').slice(0, 19)} UTC</time>`;
}

/** How long ago `iso` was: 45s, 12m, 3h 5m, 2d 4h. */
export function age(iso: string | null | undefined, now = Date.now()): string {
  const ms = iso ? now - Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) return '–';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** The path of an incident's page. */
export const incidentHref = (workflowId: string) => `${BASE}/incidents/${encodeURIComponent(workflowId)}`;
