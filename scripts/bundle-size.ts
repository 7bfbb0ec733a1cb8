/**
 * The dashboard's JavaScript budget: prints the raw and gzip size of every bundle in
 * web/dist/assets and fails when the gzip total exceeds 80 KB (run after `npm run build:web`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 80 * 1024;
const assets = join(__dirname, '..', 'web', 'dist', 'assets');

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

let files: string[];
try {
  files = readdirSync(assets).filter((name) => name.endsWith('.js'));
} catch {
  console.error(`No ${assets}: run \`npm run build:web\` first.`);
  process.exit(1);
}
if (files.length === 0) {
  console.error(`No JavaScript in ${assets}: run \`npm run build:web\` first.`);
  process.exit(1);
}

let rawTotal = 0;
let gzipTotal = 0;
for (const name of files.sort()) {
  const content = readFileSync(join(assets, name));
  const gzipped = gzipSync(content, { level: 9 }).length;
  rawTotal += content.length;
  gzipTotal += gzipped;
  console.log(`${name.padEnd(32)} ${kb(content.length).padStart(10)} raw ${kb(gzipped).padStart(10)} gzip`);
}
console.log(`${'total'.padEnd(32)} ${kb(rawTotal).padStart(10)} raw ${kb(gzipTotal).padStart(10)} gzip (budget ${kb(BUDGET_BYTES)})`);
if (gzipTotal > BUDGET_BYTES) {
  console.error(`Over budget by ${kb(gzipTotal - BUDGET_BYTES)}.`);
  process.exit(1);
}
