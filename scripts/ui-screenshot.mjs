// Screenshots of the Temporal Web UI for the docs (headless Chromium from Debian, driven by playwright-core):
//   node scripts/ui-screenshot.mjs <workflow ID> [out-dir] [query] [name]
// Shows a list query (default: the failed alerts) and the workflow page of one alert, as
// <out-dir>/ui-<name>s.png and ui-<name>-detail.png (default name: failed-alert).
import { chromium } from 'playwright-core';

const [wid, out = 'docs', listQuery = 'AlertDeliveryStatus="failed"', name = 'failed-alert'] = process.argv.slice(2);
const ui = process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const query = encodeURIComponent(listQuery);
  await page.goto(`${ui}/namespaces/default/workflows?query=${query}`, { waitUntil: 'networkidle' });
  await page.screenshot({ path: `${out}/ui-${name}s.png` });
  // The workflow page keeps polling (never network-idle): wait for its content instead.
  await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(wid)}`, { waitUntil: 'load' });
  await page.getByText(wid).first().waitFor({ timeout: 20_000 });
  await page.waitForTimeout(3000);
  await page.screenshot({ path: `${out}/ui-${name}-detail.png`, fullPage: false });
  console.log(`wrote ${out}/ui-${name}s.png and ${out}/ui-${name}-detail.png`);
} finally {
  await browser.close();
}
