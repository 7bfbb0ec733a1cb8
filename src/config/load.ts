import type { z } from 'zod';
import { crossFieldRules, toConfig, type Config } from './schema';

/** A configuration problem a person can fix; the CLI prints it without a stack trace. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Their values are never echoed in an error: a message may end up in a shared terminal or a CI log. */
const SECRET_VARIABLES = new Set(['ADMIN_PASSWORD', 'TEMPORAL_API_KEY', 'METRICS_TOKEN', 'LAB_BACKEND_API_KEY', 'TEMPORAL_PAYLOAD_KEYS']);

/** A connection URL's password (`scheme://user:password@host`) is masked, even in a URL too broken to parse. */
const withoutUrlPassword = (value: string) => value.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:]*:)[^/@]*@/, '$1***@');

function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const variable = String(issue.path[0] ?? '(environment)');
  const given = env[variable];
  const shown = given === undefined || SECRET_VARIABLES.has(variable) ? '' : ` (got ${JSON.stringify(withoutUrlPassword(given))})`;
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
