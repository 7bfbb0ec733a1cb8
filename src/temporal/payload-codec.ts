import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodingTypes, METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { stepNames } from '../../workflows/step-names';

/** The encoding an encrypted payload carries; anything else is passed through (histories written before encryption). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Payload metadata naming the key that encrypted it, so a rotated-out key still decrypts old histories. */
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** The keys a process holds: every one decrypts, `encryptWith` encrypts. */
export interface PayloadKeys {
  keys: PayloadKey[];
  encryptWith: string;
  /** Where the keys came from, for messages: the environment or the generated key file. */
  source: string;
}

export class PayloadKeyError extends Error {
  override name = 'PayloadKeyError';
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * `TEMPORAL_PAYLOAD_KEYS`: comma-separated `<keyId>:<base64 of 32 bytes>`. The first encrypts
 * unless `encryptWith` (TEMPORAL_PAYLOAD_KEY_ID) names another; all of them decrypt. Error
 * messages never quote a key.
 */
export function parsePayloadKeys(text: string, encryptWith?: string, source = 'TEMPORAL_PAYLOAD_KEYS'): PayloadKeys {
  const keys: PayloadKey[] = [];
  for (const [index, part] of text.split(',').map((p) => p.trim()).filter(Boolean).entries()) {
    const colon = part.indexOf(':');
    const id = colon > 0 ? part.slice(0, colon) : '';
    if (!KEY_ID.test(id)) throw new PayloadKeyError(`${source}: entry ${index + 1} must be <keyId>:<base64 key>, the id 1-64 letters, digits, dot, dash or underscore`);
    const key = Buffer.from(part.slice(colon + 1), 'base64');
    if (key.length !== 32) throw new PayloadKeyError(`${source}: key "${id}" must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`), not ${key.length} bytes`);
    if (keys.some((k) => k.id === id)) throw new PayloadKeyError(`${source}: key id "${id}" is given twice`);
    keys.push({ id, key });
  }
  if (keys.length === 0) throw new PayloadKeyError(`${source}: expected at least one <keyId>:<base64 key>`);
  const current = encryptWith ?? keys[0]!.id;
  if (!keys.some((k) => k.id === current)) throw new PayloadKeyError(`TEMPORAL_PAYLOAD_KEY_ID: "${current}" is not one of the ids in ${source}`);
  return { keys, encryptWith: current, source };
}

/** A new key line for the key file or TEMPORAL_PAYLOAD_KEYS. */
export function generatePayloadKeyLine(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export const PAYLOAD_KEY_FILE = 'temporal-payload-key';

/**
 * The development default: a key generated once into the data directory (mode 600), as the first
 * admin's password is. Created with link() so two processes starting at once on one directory
 * (API and worker) end with the same key, never with a half-written file.
 */
export function keysFromKeyFile(dataDir: string): PayloadKeys {
  const file = join(dataDir, PAYLOAD_KEY_FILE);
  const read = () => parsePayloadKeys(readFileSync(file, 'utf8'), undefined, file);
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(draft, `${generatePayloadKeyLine()}\n`, { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PayloadKeyError(`Cannot keep the generated Temporal payload key in ${file} (${reason}); make LABWIRE_DATA_DIR writable for this process, or set TEMPORAL_PAYLOAD_KEYS`);
  } finally {
    rmSync(draft, { force: true });
  }
  return read();
}

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : '');

/** The step names as the payload converter writes a summary: a JSON string. */
const stepNamesAsJson = new Set(stepNames.map((name) => JSON.stringify(name)));

/**
 * A step name (workflows/step-names.ts) and nothing else: a JSON payload whose value is exactly one
 * of those fixed strings. These stay unencrypted so `temporal workflow show` and the Web UI name
 * every step without the key; they carry no data of a delivery. Whatever else equals one of them
 * is a fixed public string too, so leaving it readable reveals nothing.
 */
export function isStepName(payload: Payload): boolean {
  const metadata = payload.metadata ?? {};
  return (
    Object.keys(metadata).length === 1 &&
    text(metadata[METADATA_ENCODING_KEY]) === encodingTypes.METADATA_ENCODING_JSON &&
    stepNamesAsJson.has(text(payload.data))
  );
}

/**
 * AES-256-GCM over the whole serialized payload (metadata included, so the original encoding is
 * hidden too). Layout of `data`: 12-byte IV, ciphertext, 16-byte tag; the key id is bound as
 * additional authenticated data, so a payload cannot be made to claim another key. The one
 * exception is a step name (`isStepName`), left as it is; decoding passes it through like any
 * unencrypted payload.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  readonly encryptWith: string;

  constructor(keys: Pick<PayloadKeys, 'keys' | 'encryptWith'>) {
    this.byId = new Map(keys.keys.map((k) => [k.id, k.key]));
    this.encryptWith = keys.encryptWith;
    if (!this.byId.has(this.encryptWith)) throw new PayloadKeyError(`the encrypting key "${this.encryptWith}" is not among the keys`);
  }

  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    await Promise.resolve();
    const key = this.byId.get(this.encryptWith)!;
    const keyId = Buffer.from(this.encryptWith);
    return payloads.map((payload) => {
      if (isStepName(payload)) return payload;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(keyId);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: keyId }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    await Promise.resolve();
    return payloads.map((payload) => this.decodeOne(payload));
  }

  private decodeOne(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    const key = this.byId.get(keyId);
    if (!key) throw new PayloadKeyError(`A Temporal payload is encrypted with key "${keyId}", which is not among this process's keys (${this.keyIds.join(', ')}); add it to TEMPORAL_PAYLOAD_KEYS`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadKeyError('A Temporal payload marked encrypted is too short to be one');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

/** Where payload keys come from, as the configuration gives it. */
export type PayloadKeySource = { kind: 'keys'; keys: PayloadKeys } | { kind: 'file'; dataDir: string };

const codecs = new Map<string, AesGcmPayloadCodec>();

/** One codec per key source in a process (the key file is read once). */
export function payloadCodecFor(source: PayloadKeySource): AesGcmPayloadCodec {
  const cacheKey = source.kind === 'file' ? `file:${source.dataDir}` : `keys:${source.keys.encryptWith}:${source.keys.keys.map((k) => `${k.id}=${k.key.toString('base64')}`).join(',')}`;
  let codec = codecs.get(cacheKey);
  if (!codec) {
    codec = new AesGcmPayloadCodec(source.kind === 'file' ? keysFromKeyFile(source.dataDir) : source.keys);
    codecs.set(cacheKey, codec);
  }
  return codec;
}

export const failureConverterPath = require.resolve('./failure-converter');

/** The data converter every Labwire client and worker uses: encrypted payloads, encoded failure messages. */
export function labwireDataConverter(source: PayloadKeySource): DataConverter {
  return { payloadCodecs: [payloadCodecFor(source)], failureConverterPath };
}
