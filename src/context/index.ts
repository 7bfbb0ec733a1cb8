import type { Config } from '../config/schema';
import type { ConfigDb } from '../db/config-store';
import type { ContextProvider } from './context-provider';
import { httpContextProvider } from './http-context-provider';
import { postgresContextProvider } from './postgres-context-provider';

export function contextProviderFor(config: Config, db: ConfigDb): ContextProvider {
  const choice = config.contextProvider;
  return choice.kind === 'http' ? httpContextProvider(choice.baseUrl, { apiKey: choice.apiKey }) : postgresContextProvider(db);
}
