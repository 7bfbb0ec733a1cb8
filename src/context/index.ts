import type { Config } from '../config/schema';
import type { ConfigDb } from '../db/config-store';
import type { ContextProvider } from './context-provider';
import { httpContextProvider } from './http-context-provider';
import { postgresContextProvider } from './postgres-context-provider';

export function contextProviderFor(config: Config, db: ConfigDb): ContextProvider {
  const choice = config.contextProvider;
  if (choice.kind === 'postgres') return postgresContextProvider(db);
  // The lab backend is reached through the same target guard as partners: its network must be in TARGET_ALLOWLIST.
  return httpContextProvider(choice.baseUrl, { apiKey: choice.apiKey, allowedNetworks: config.delivery.allowedNetworks });
}
