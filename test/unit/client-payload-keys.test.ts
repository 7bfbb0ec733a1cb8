import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLabwireClient } from '../../src/client';

describe('the client library and Temporal payload keys', () => {
  const saved = { dir: process.env.LABWIRE_DATA_DIR, keys: process.env.TEMPORAL_PAYLOAD_KEYS };
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'labwire-client-'));
    process.env.LABWIRE_DATA_DIR = dataDir;
    delete process.env.TEMPORAL_PAYLOAD_KEYS;
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    if (saved.dir === undefined) delete process.env.LABWIRE_DATA_DIR;
    else process.env.LABWIRE_DATA_DIR = saved.dir;
    if (saved.keys !== undefined) process.env.TEMPORAL_PAYLOAD_KEYS = saved.keys;
  });

  it('never generates a key of its own: without keys and without a stack key file it refuses, naming the fix', () => {
    expect(() => createLabwireClient({ temporalAddress: '127.0.0.1:1', databaseUrl: 'postgres://postgres@127.0.0.1:1/nothing' })).toThrow(/payloadKeys.*TEMPORAL_PAYLOAD_KEYS/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('takes the workers’ keys as payloadKeys', async () => {
    const client = createLabwireClient({ temporalAddress: '127.0.0.1:1', databaseUrl: 'postgres://postgres@127.0.0.1:1/nothing', payloadKeys: `k1:${Buffer.alloc(32, 7).toString('base64')}` });
    await client.close();
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
