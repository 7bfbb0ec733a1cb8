import type { Config } from '../config/schema';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Served at `/` until the dashboard is built into web/dist. */
export function placeholderPage(config: Config): string {
  const ui = escapeHtml(config.temporal.uiUrl);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Labwire</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Labwire</h1>
<p>The API is running. The operator dashboard has not been built into <code>web/dist</code> yet.</p>
<ul><li><a href="/readyz">Readiness of each server</a></li><li><a href="${ui}">Temporal Web UI</a></li></ul>
</body></html>`;
}
