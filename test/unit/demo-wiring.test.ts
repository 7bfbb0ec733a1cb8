import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { projectRoot } from '../../src/config/schema';

/** Every relative module a file imports (static imports and re-exports, types included), resolved to its .ts file. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/\b(?:import|export)\b[^'"]*?\bfrom\s+'(\.[^']+)'|\bimport\s*\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);
  return specifiers.flatMap((specifier) => {
    const base = resolve(dirname(file), specifier);
    const found = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
    return found ? [found] : [];
  });
}

/** The project files a module reaches through its imports, itself included. */
function reachableFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [join(projectRoot, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...importsOf(file));
  }
  return new Set([...seen].map((file) => relative(projectRoot, file)));
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(join(projectRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
}

describe('the demo partner runs under labwire start only', () => {
  it('is not reachable from labwire worker, labwire api, the worker or the API app', () => {
    for (const entry of ['src/cli/commands/worker.ts', 'src/cli/commands/api.ts', 'src/worker/worker.ts', 'src/api/app.ts']) {
      const demoModules = [...reachableFrom(entry)].filter((file) => file.startsWith('src/demo/'));
      expect({ entry, demoModules }).toEqual({ entry, demoModules: [] });
    }
  });

  it('is imported by src/cli/commands/start.ts and nothing else outside src/demo', () => {
    const importers = [...tsFilesUnder('src'), ...tsFilesUnder('activities'), ...tsFilesUnder('workflows')]
      .filter((file) => !file.startsWith('src/demo/'))
      .filter((file) => importsOf(join(projectRoot, file)).some((target) => relative(projectRoot, target).startsWith('src/demo/')));
    expect(importers).toEqual(['src/cli/commands/start.ts']);
    expect(reachableFrom('src/cli/commands/start.ts').has('src/demo/demo-partner.ts')).toBe(true);
  });
});
