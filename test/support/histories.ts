import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { projectRoot } from '../../src/config/schema';
import { ENCRYPTED_ENCODING } from '../../src/temporal/payload-codec';

type History = temporal.api.history.v1.History;

/** Where the committed replay histories live: one folder per recording (`<generation>/`), each with a manifest. */
export const historiesDir = join(projectRoot, 'test', 'histories');

/** What the recorder knows about each history that the history itself does not say. */
export interface ManifestEntry {
  /** `<name>.json`, in the same folder. */
  file: string;
  /** The workflow type of its first event, checked by the replay test. */
  workflowType: string;
  /** Replay runs with this id (a history has none of its own). */
  workflowId: string;
  /** RUNNING (a still-open history, as a worker meets it after a deploy), COMPLETED or CONTINUED_AS_NEW. */
  state: 'RUNNING' | 'COMPLETED' | 'CONTINUED_AS_NEW';
  scenario: string;
}

export interface Manifest {
  recordedAt: string;
  /** The commit of the workflow code the histories were recorded from (`+changes`: workflows/ differed from it). */
  workflowCode: string;
  note: string;
  histories: ManifestEntry[];
}

/**
 * The protobuf JSON codec of the protobufjs copy that @temporalio/proto was built with.
 * `historyFromJSON` of @temporalio/common (which Worker.runReplayHistories also calls for JSON
 * input) uses its own copy, and with two copies installed it throws "type must be a Type";
 * resolving from @temporalio/proto's folder always pairs the codec with the types it reads.
 */
const load = createRequire(__filename);
const protojson = createRequire(load.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
};
// The reflected type (the package's root is a protobufjs Root; an import would copy its own keys only).
const protoRoot = load('@temporalio/proto') as { lookupType(name: string): unknown };
const historyType = protoRoot.lookupType('temporal.api.history.v1.History');

/** A history in Temporal's JSON form (what `temporal workflow show --output json` and the Web UI's download write). */
export function historyToJson(history: History): unknown {
  return protojson.toJson(historyType, history);
}

/** The History message Worker.runReplayHistories takes as it is (event ids as Longs, not strings). */
export function historyFromJson(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History | null;
  if (!history?.events?.length) throw new TypeError('not a Temporal history: expected {"events": [...]} with at least one event');
  return history;
}

export function workflowTypeOf(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? undefined;
}

/** What the last event says of the run: still open, or how it closed. */
export function runStateOf(history: History): ManifestEntry['state'] | 'OTHER' {
  const last = history.events?.at(-1);
  if (last?.workflowExecutionCompletedEventAttributes) return 'COMPLETED';
  if (last?.workflowExecutionContinuedAsNewEventAttributes) return 'CONTINUED_AS_NEW';
  const closed = ['Failed', 'TimedOut', 'Canceled', 'Terminated'].some((how) => `workflowExecution${how}EventAttributes` in (last ?? {}));
  return closed ? 'OTHER' : 'RUNNING';
}

/**
 * Decrypts, in place, every payload our codec encrypted (inputs, results, markers, updates,
 * signals, failures' encoded attributes), leaving everything else byte for byte. The worker's
 * codec passes an unencrypted payload through, so a decoded history replays through the
 * production data converter with any key, and the workflow sees the values it saw when recorded.
 */
export async function decryptPayloads(codec: PayloadCodec, history: History): Promise<void> {
  const seen = new Set<object>();
  const found: Payload[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object' || ArrayBuffer.isView(node) || seen.has(node)) return;
    seen.add(node);
    const payload = node as Payload;
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (encoding instanceof Uint8Array && Buffer.from(encoding).toString() === ENCRYPTED_ENCODING) {
      found.push(payload);
      return;
    }
    for (const value of Array.isArray(node) ? node : Object.values(node)) walk(value);
  };
  walk(history.events);
  for (const payload of found) {
    const [plain] = await codec.decode([payload]);
    payload.metadata = plain!.metadata ?? {};
    payload.data = plain!.data ?? new Uint8Array();
  }
}

/** Whether `text` appears anywhere in the history: in its fields or inside any payload (read as UTF-8). */
export function historyMentions(history: History, text: string): boolean {
  const seen = new Set<object>();
  const walk = (node: unknown): boolean => {
    if (typeof node === 'string') return node.includes(text);
    if (node instanceof Uint8Array) return Buffer.from(node).toString('utf8').includes(text);
    if (!node || typeof node !== 'object' || seen.has(node)) return false;
    seen.add(node);
    return (Array.isArray(node) ? node : Object.values(node)).some(walk);
  };
  return walk(history.events);
}

export interface CommittedHistory extends ManifestEntry {
  /** Relative to test/histories, e.g. `2026-11-30/delivery-webhook-retried-closed.json`. */
  path: string;
  history: History;
}

/** Every committed history with its manifest entry; a file missing from its manifest (or the reverse) is an error. */
export function committedHistories(dir = historiesDir): CommittedHistory[] {
  const all: CommittedHistory[] = [];
  for (const generation of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    const folder = join(dir, generation);
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as Manifest;
    const files = readdirSync(folder).filter((f) => f.endsWith('.json') && f !== 'manifest.json').sort();
    const listed = manifest.histories.map((h) => h.file).sort();
    if (JSON.stringify(files) !== JSON.stringify(listed)) {
      throw new Error(`${relative(projectRoot, folder)}: the manifest lists ${listed.join(', ')} but the folder holds ${files.join(', ')}`);
    }
    for (const entry of manifest.histories) {
      const history = historyFromJson(JSON.parse(readFileSync(join(folder, entry.file), 'utf8')));
      all.push({ ...entry, path: `${generation}/${entry.file}`, history });
    }
  }
  return all;
}
