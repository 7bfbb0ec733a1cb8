import type { Config } from '../../config/schema';
import { FERRETDB, resolveBinary, TEMPORAL_CLI } from '../../devstack/binaries';
import type { Say } from '../../devstack/say';

/** `labwire install-servers`: finds or builds (once, into the cache) the server binaries the local stack needs. */
export async function installServersCommand(config: Config, say: Say): Promise<void> {
  if (config.temporal.externalAddress) say('temporal  not needed (TEMPORAL_ADDRESS is set)');
  else say(`temporal  ${await resolveBinary(TEMPORAL_CLI, { explicitPath: config.temporal.cliPath, cacheDir: config.cacheDir, say })}`);
  if (config.logStore.externalUrl) say('ferretdb  not needed (MONGODB_URL is set)');
  else say(`ferretdb  ${await resolveBinary(FERRETDB, { explicitPath: config.logStore.ferret.path, cacheDir: config.cacheDir, say })}`);
}
