import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import type { EndpointChange, LogChange } from './types';

/**
 * One EventSource on /api/stream for the whole app. It reconnects by itself (the server
 * sends `retry: 3000`), and starts over when the browser gives up on an error answer;
 * onopen / onerror drive the header's connection indicator, and an open after a break tells
 * the pages to reload (useResync).
 */
export type Connection = 'connecting' | 'live' | 'reconnecting';

type ChangeListener = (change: LogChange) => void;

/** As the server's `retry:` for the browser's own reconnects. */
const RESTART_MS = 3000;

let source: EventSource | null = null;
let connection: Connection = 'connecting';
const connectionListeners = new Set<(state: Connection) => void>();
const changeListeners = new Set<ChangeListener>();
const endpointListeners = new Set<(change: EndpointChange) => void>();
const resyncListeners = new Set<() => void>();
/** A stream was open before: the next one to open follows a break, during which changes went unseen. */
let wasOpen = false;

function setConnection(state: Connection): void {
  connection = state;
  for (const listener of connectionListeners) listener(state);
}

function isLogChange(value: unknown): value is LogChange {
  return typeof (value as Partial<LogChange> | null)?.logId === 'string';
}

let wanted = false;
let restartTimer: number | undefined;

function open(): void {
  source = new EventSource('/api/stream');
  source.onopen = () => {
    setConnection('live');
    if (wasOpen) for (const listener of resyncListeners) listener();
    wasOpen = true;
  };
  source.onerror = () => {
    setConnection('reconnecting');
    // CONNECTING: the browser retries by itself (the API went away). CLOSED: it gave up on an
    // HTTP error answer (signed out, disabled, a proxy's 502), so ask the API why and start over.
    if (source?.readyState === EventSource.CLOSED) recover();
  };
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
  source.addEventListener('endpoint', (event: MessageEvent<string>) => {
    let change: EndpointChange;
    try {
      change = JSON.parse(event.data) as EndpointChange;
    } catch {
      return;
    }
    if (typeof change?.endpoint !== 'string') return;
    for (const listener of endpointListeners) listener(change);
  });
}

function recover(): void {
  source = null;
  window.clearTimeout(restartTimer);
  restartTimer = window.setTimeout(() => {
    restartTimer = undefined;
    // A 401 here takes the app to its sign-in page (api.ts), which stops live updates.
    api.meta().then(
      () => wanted && !source && open(),
      () => wanted && recover(),
    );
  }, RESTART_MS);
}

export function startLiveUpdates(): void {
  wanted = true;
  if (source || restartTimer !== undefined) return;
  setConnection('connecting');
  open();
}

export function stopLiveUpdates(): void {
  wanted = false;
  wasOpen = false;
  window.clearTimeout(restartTimer);
  restartTimer = undefined;
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

/** Calls the latest `listener` whenever an endpoint is paused or resumed, while the component is mounted. */
export function useEndpointChanges(listener: (change: EndpointChange) => void): void {
  useEffect(() => {
    endpointListeners.add(listener);
    return () => void endpointListeners.delete(listener);
  }, [listener]);
}

/**
 * Calls the latest `listener` when the stream is open again after a break (the API restarted, or
 * ended the stream because its change feed was cut): what was changed meanwhile was never sent,
 * so the page reloads what it shows.
 */
export function useResync(listener: () => void): void {
  useEffect(() => {
    resyncListeners.add(listener);
    return () => void resyncListeners.delete(listener);
  }, [listener]);
}
