import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { loadConfig } from '../../src/config/load';
import { stepNames, steps } from '../../workflows/step-names';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  generatePayloadKeyLine,
  isStepName,
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

  it('leaves exactly the step names unencrypted, so `temporal workflow show` names each step without the key', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(oldLine));
    const names = stepNames.map((name) => defaultPayloadConverter.toPayload(name));
    const encoded = await codec.encode(names);
    expect(encoded).toEqual(names);
    expect(encoded.map((p) => text(p.data))).toContain(JSON.stringify(steps.createLog));
    // Decoding passes them through (the codec endpoint answers with them as they are).
    expect((await codec.decode(encoded)).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([...stepNames]);
  });

  it('encrypts everything that is not exactly a step name: current details, look-alikes, other encodings, extra metadata', async () => {
    const codec = new AesGcmPayloadCodec(parsePayloadKeys(oldLine));
    const json = (value: unknown) => defaultPayloadConverter.toPayload(value);
    const others: Payload[] = [
      json('log 6650f1c2e4b0a1b2c3d4e5f6 · QUEUED · dispatching'),
      json(`${steps.createLog} `),
      json(steps.createLog.toUpperCase()),
      json({ summary: steps.createLog }),
      json([steps.createLog]),
      json(`${steps.createLog} for ${patient.name}`),
      { metadata: { [METADATA_ENCODING_KEY]: Buffer.from('binary/plain') }, data: Buffer.from(JSON.stringify(steps.createLog)) },
      { metadata: { [METADATA_ENCODING_KEY]: Buffer.from('json/plain'), other: Buffer.from('x') }, data: Buffer.from(JSON.stringify(steps.createLog)) },
    ];
    for (const payload of others) expect(isStepName(payload)).toBe(false);
    const encoded = await codec.encode(others);
    for (const sealed of encoded) expect(text(sealed.metadata![METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    const readable = (p: Payload) => [text(p.data), Object.entries(p.metadata ?? {}).map(([k, v]) => `${k}=${text(v)}`)];
    expect((await codec.decode(encoded)).map(readable)).toEqual(others.map(readable));
  });

  it('step names are fixed text: each names its step first and none repeats', () => {
    expect(new Set(stepNames).size).toBe(stepNames.length);
    for (const name of stepNames) expect(name).toMatch(/^[a-z][A-Za-z0-9]+ · [a-z]/);
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
