import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { workflowBundlePath } from './test-environment';

/** The configuration the global setup resolved (its environment is inherited by every test file). */
export function testConfig(): Config {
  return loadConfig(process.env);
}

/** A unique id per test, so tests never see each other's rows, documents or workflows. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const prebuiltWorkflowBundle = () => ({ codePath: workflowBundlePath() });

/** Awaits a condition instead of sleeping a fixed time. */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`);
}
