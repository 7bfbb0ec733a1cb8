import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import { loadConfig } from '../../src/config/load';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  generatePayloadKeyLine,
  keysFromKeyFile,
  parsePayloadKeys,
  PAYLOAD_KEY_FILE,
} from '../../src/temporal/payload-codec';

const patient = { name: 'Ada Quintero-Zeta', mrn: 'MRN-771234' };
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const oldLine = generatePayloadKeyLine('old');
const newLine = generatePayloadKeyLine('new');

describe('AES-256-GCM payload codec', () => {
  it('encrypts: nothing of the value shows, the key id is in the metadata, and it decodes back', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(oldLine));
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(patient)]);
    expect(text(sealed!.metadata![METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata![KEY_ID_METADATA])).toBe('old');
    const raw = Buffer.from(sealed!.data!).toString('latin1');
    expect(raw).not.toContain('Quintero');
    expect(raw).not.toContain('json/plain');
    const [plain] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(plain!)).toEqual(patient);
  });

  it('after a rotation ("new,old") encrypts with the new key and still reads what the old key wrote', async () => {
    const before = new AesGcmPayloadCodec(parsePayloadKeys(oldLine));
    const [written] = await before.encode([defaultPayloadConverter.toPayload(patient)]);
    const after = new AesGcmPayloadCodec(parsePayloadKeys(`${newLine},${oldLine}`));
    expect(defaultPayloadConverter.fromPayload((await after.decode([written!]))[0]!)).toEqual(patient);
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload(patient)]);
    expect(text(fresh!.metadata![KEY_ID_METADATA])).toBe('new');
    // Without the old key, old payloads are refused by name, not garbled.
    const onlyNew = new AesGcmPayloadCodec(parsePayloadKeys(newLine));
    await expect(onlyNew.decode([written!])).rejects.toThrow(/key "old", which is not among this process's keys \(new\)/);
  });

  it('TEMPORAL_PAYLOAD_KEY_ID picks the encrypting key among several', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(`${newLine},${oldLine}`, 'old'));
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(1)]);
    expect(text(sealed!.metadata![KEY_ID_METADATA])).toBe('old');
  });

  it('refuses a tampered payload and one that claims another key id', async () => {
    const keys = parsePayloadKeys(`${newLine},${oldLine}`);
    const codec = new AesGcmPayloadCodec(keys);
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(patient)]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow();
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('old') } };
    await expect(codec.decode([relabelled])).rejects.toThrow();
  });

  it('passes through payloads written before encryption (old histories)', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(oldLine));
    const plain = defaultPayloadConverter.toPayload(patient);
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('parses TEMPORAL_PAYLOAD_KEYS strictly and never echoes a key', () => {
    expect(() => parsePayloadKeys('k1:c2hvcnQ=')).toThrow(/key "k1" must be 32 bytes in base64.*not 5 bytes/);
    expect(() => parsePayloadKeys(`${oldLine},${oldLine}`)).toThrow(/"old" is given twice/);
    expect(() => parsePayloadKeys('nocolon')).toThrow(/entry 1 must be <keyId>:<base64 key>/);
    expect(() => parsePayloadKeys(oldLine, 'other')).toThrow(/"other" is not one of the ids/);
    const secret = oldLine.split(':')[1]!;
    try {
      loadConfig({ TEMPORAL_PAYLOAD_KEYS: `${oldLine},x:${secret.slice(0, 10)}` });
      throw new Error('expected a configuration error');
    } catch (error) {
      expect(String(error)).toMatch(/TEMPORAL_PAYLOAD_KEYS: key "x" must be 32 bytes/);
      expect(String(error)).not.toContain(secret.slice(0, 10));
    }
  });

  it('without TEMPORAL_PAYLOAD_KEYS generates one key into the data directory (mode 600) and keeps using it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'labwire-keys-')), 'data');
    const config = loadConfig({ LABWIRE_DATA_DIR: dir });
    expect(config.temporal.payloadKeys).toEqual({ kind: 'file', dataDir: dir });
    const first = keysFromKeyFile(dir);
    const file = join(dir, PAYLOAD_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(keysFromKeyFile(dir).keys[0]!.key.equals(first.keys[0]!.key)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^k\d{8}:[A-Za-z0-9+/]{43}=$/);
  });
});
