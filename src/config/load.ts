import type { z } from 'zod';
import { crossFieldRules, toConfig, type Config } from './schema';

/** A configuration problem a person can fix; the CLI prints it without a stack trace. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const variable = String(issue.path[0] ?? '(environment)');
  const given = env[variable];
  const shown = given === undefined ? '' : ` (got ${JSON.stringify(given)})`;
  return `${variable}${shown}: ${issue.message}`;
}

/** Empty strings count as unset, as in most shells' `VAR= cmd`. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = crossFieldRules.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => describeIssue(issue, env)));
  }
  return toConfig(parsed.data);
}
