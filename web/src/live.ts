import { useEffect, useState } from 'preact/hooks';
import type { LogChange } from './types';

/**
 * One EventSource on /api/stream for the whole app. It reconnects by itself (the server
 * sends `retry: 3000`); onopen / onerror drive the header's connection indicator.
 */
export type Connection = 'connecting' | 'live' | 'reconnecting';

type ChangeListener = (change: LogChange) => void;

let source: EventSource | null = null;
let connection: Connection = 'connecting';
const connectionListeners = new Set<(state: Connection) => void>();
const changeListeners = new Set<ChangeListener>();

function setConnection(state: Connection): void {
  connection = state;
  for (const listener of connectionListeners) listener(state);
}

function isLogChange(value: unknown): value is LogChange {
  return typeof (value as Partial<LogChange> | null)?.logId === 'string';
}

export function startLiveUpdates(): void {
  if (source) return;
  setConnection('connecting');
  source = new EventSource('/api/stream');
  source.onopen = () => setConnection('live');
  source.onerror = () => setConnection('reconnecting');
  source.addEventListener('log', (event: MessageEvent<string>) => {
    let change: unknown;
    try {
      change = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!isLogChange(change)) return;
    for (const listener of changeListeners) listener(change);
  });
}

export function stopLiveUpdates(): void {
  source?.close();
  source = null;
  setConnection('connecting');
}

export function useConnection(): Connection {
  const [state, setState] = useState(connection);
  useEffect(() => {
    connectionListeners.add(setState);
    setState(connection);
    return () => void connectionListeners.delete(setState);
  }, []);
  return state;
}

/** Calls the latest `listener` for every log change while the component is mounted. */
export function useLogChanges(listener: ChangeListener): void {
  useEffect(() => {
    changeListeners.add(listener);
    return () => void changeListeners.delete(listener);
  }, [listener]);
}
