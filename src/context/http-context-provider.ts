import { request } from 'undici';
import type { EntityContext, LabContext } from '../../activities/context/types';
import { NotFoundError } from '../errors';
import { createTargetGuardedAgent } from '../net/guarded-connect';
import type { ContextProvider, EntityRef } from './context-provider';

/**
 * The ContextProvider for a lab backend that owns its data: `GET <base>/labs/<labId>` and
 * `GET <base>/labs/<labId>/<type>s/<id>` answer the same JSON shapes as the postgres provider
 * (a bill or report of an organisation carries its `orgId`; without it, it is the lab's own and
 * org-scoped partner keys cannot read it).
 * A 404 is a permanent NotFoundError; anything else non-2xx is thrown as a retryable error.
 * Connections go through the target guard (`allowedNetworks` is TARGET_ALLOWLIST): a backend on
 * a private or loopback address is reached only when its network is listed, and a refused one
 * rejects with a permanent BlockedTargetError before any socket is opened.
 */
export function httpContextProvider(
  baseUrl: string,
  options: { allowedNetworks: readonly string[]; apiKey?: string; timeoutMs?: number },
): ContextProvider {
  const base = baseUrl.replace(/\/$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const dispatcher = createTargetGuardedAgent(options.allowedNetworks);

  async function getJson<T>(path: string, what: string, field: string): Promise<T> {
    const response = await request(`${base}${path}`, {
      method: 'GET',
      dispatcher,
      headers: { accept: 'application/json', ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}) },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await response.body.text();
    if (response.statusCode === 404) throw new NotFoundError(field, `${what} does not exist (lab backend answered 404)`);
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new Error(`lab backend answered ${response.statusCode} for ${what}: ${text.slice(0, 200)}`);
    }
    return JSON.parse(text) as T;
  }

  return {
    loadLab: (labId) => getJson<LabContext>(`/labs/${labId}`, `lab ${labId}`, 'labId'),
    loadEntity: (labId: number, entity: EntityRef) =>
      getJson<EntityContext>(`/labs/${labId}/${entity.type}s/${entity.id}`, `${entity.type} ${entity.id} in lab ${labId}`, 'entity.id'),
  };
}
