import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveBinary, TEMPORAL_CLI } from '../../src/devstack/binaries';
import { silent } from '../../src/devstack/say';
import type { Harness } from './harness';

export interface CodecEndpoint {
  endpoint: string;
  /** The Authorization header, e.g. `Bearer <session token>`. */
  auth: string;
}

/**
 * The `temporal` CLI of the dev stack (v1.5.1) against the suite's server, as an engineer runs it:
 * `temporalCli(harness, ['workflow', 'show', '--workflow-id', id, '--output', 'json'])`. Without a
 * codec endpoint it sees what the server stores (no key).
 */
export async function temporalCli(harness: Harness, args: string[], codec?: CodecEndpoint): Promise<string> {
  const { temporal, cacheDir } = harness.config;
  const binary = await resolveBinary(TEMPORAL_CLI, { explicitPath: temporal.cliPath, cacheDir, say: silent });
  const all = [...args, '--address', temporal.address, '--namespace', temporal.namespace, '--color', 'never'];
  if (codec) all.push('--codec-endpoint', codec.endpoint, '--codec-auth', codec.auth);
  // Not spawnSync: the codec endpoint it calls is served by this very process.
  try {
    const { stdout } = await promisify(execFile)(binary, all, { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TEMPORAL_CODEC_ENDPOINT: '', TEMPORAL_CODEC_AUTH: '' } });
    return stdout;
  } catch (error) {
    const failed = error as { code?: unknown; stderr?: string };
    throw new Error(`temporal ${args.join(' ')} failed (${String(failed.code)}): ${failed.stderr ?? String(error)}`);
  }
}

/** `temporal workflow show --output json`: the history as the server stores it (payload data in base64). */
export function workflowShow(harness: Harness, workflowId: string, codec?: CodecEndpoint): Promise<string> {
  return temporalCli(harness, ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json'], codec);
}
