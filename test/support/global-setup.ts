import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig } from '../../src/config/load';
import type { Stack } from '../../src/devstack/stack';
import { bundleWorkflows } from '../../src/worker/worker';
import { applyTestEnvironment, workflowBundlePath } from './test-environment';
import { prepareTestStack } from './test-stack';

declare global {
  // Read by global-teardown, which runs in the same process.
  var __labwireTestStack: Stack | undefined;
}

/** Starts (or reuses) the real servers once for the whole run, on test-only ports and databases. */
export default async function globalSetup(): Promise<void> {
  applyTestEnvironment();
  const config = loadConfig();
  const say = (line: string) => process.stderr.write(`[test stack] ${line}\n`);
  process.stderr.write('\n');
  globalThis.__labwireTestStack = await prepareTestStack(config, say);
  // Webpack takes seconds per bundle; build the workflow bundle once and let every test load it.
  const bundle = await bundleWorkflows();
  mkdirSync(dirname(workflowBundlePath()), { recursive: true });
  writeFileSync(workflowBundlePath(), bundle.code);
}
