// The operator console's test pieces (test/console-e2e.test.ts): a personal token and its configured hash, logging in
// without a browser (the session and CSRF cookies, and a page's CSRF token), and the axe-core check of a page.
import { createHash } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

export const CONSOLE_TOKEN = 'console-test-token-alice-0123456789abcdef';
export const CONSOLE_SECRET = 'console-test-session-secret-0123456789abcdef';
/** CONSOLE_USERS for the test intake: alice, by the SHA-256 of her token. */
export const CONSOLE_USERS = `alice:${createHash('sha256').update(CONSOLE_TOKEN).digest('hex')}`;

/** A cookie jar of `Set-Cookie` answers, sent back as `Cookie`. */
export class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  has(name: string): boolean {
    return this.cookies.has(name);
  }
}

export const csrfOf = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/** A request with the jar's cookies (no redirects followed); the jar takes the answer's cookies. */
export async function send(jar: Jar, url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ status: number; location: string | null; text: string }> {
  const res = await fetch(url, {
    method: init.method ?? (init.form ? 'POST' : 'GET'), redirect: 'manual',
    headers: { cookie: jar.header(), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    signal: AbortSignal.timeout(15_000),
  });
  jar.take(res);
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

/** Logs in with the token through the form (as a browser does, CSRF token included); returns the jar with the session. */
export async function loginWithFetch(base: string, token = CONSOLE_TOKEN): Promise<Jar> {
  const jar = new Jar();
  const form = await send(jar, `${base}/console/login`);
  const res = await send(jar, `${base}/console/login`, { form: { _csrf: csrfOf(form.text), token, next: '/console/' } });
  if (res.status !== 303) throw new Error(`login answered ${res.status}`);
  return jar;
}

/** Logs the page in through the form. */
export async function loginInBrowser(page: Page, base: string, token = CONSOLE_TOKEN): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.getByLabel('Personal token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/console/`);
}

/** axe-core's serious and critical violations of the page as it is now (an empty list passes). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`);
}
