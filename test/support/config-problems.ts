import { ConfigError, loadConfig } from '../../src/config/load';

/** The problems loadConfig reports for these variables; fails the test if it reports none. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
