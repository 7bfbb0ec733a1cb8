import { useEffect, useState } from 'preact/hooks';

/** Short-lived messages in the corner; one may carry a value to copy (a new auth key). */
export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  message: string;
  copyValue?: string;
  /** Said under the value, e.g. that it is shown only this once. */
  note?: string;
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<(list: Toast[]) => void>();

function publish(list: Toast[]): void {
  toasts = list;
  for (const listener of listeners) listener(list);
}

export function dismissToast(id: number): void {
  publish(toasts.filter((t) => t.id !== id));
}

export function showToast(kind: Toast['kind'], message: string, options: { copyValue?: string; note?: string; timeoutMs?: number } = {}): void {
  const toast: Toast = { id: nextId++, kind, message, copyValue: options.copyValue, note: options.note };
  publish([...toasts, toast]);
  // A toast with something to copy stays until dismissed: the key is shown only here.
  const timeoutMs = options.timeoutMs ?? (options.copyValue ? 0 : 5000);
  if (timeoutMs > 0) window.setTimeout(() => dismissToast(toast.id), timeoutMs);
}

export function useToasts(): Toast[] {
  const [list, setList] = useState(toasts);
  useEffect(() => {
    listeners.add(setList);
    return () => void listeners.delete(setList);
  }, []);
  return list;
}
