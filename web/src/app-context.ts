import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Meta, Role, SessionUser } from './types';

/** Who is signed in and the reference data every view reads (developers, action categories). */
export interface AppContextValue {
  user: SessionUser;
  meta: Meta | null;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <AppContext.Provider>');
  return value;
}

/** Retry needs operator; managing integrations needs admin (SPEC §7). */
export function canRetry(role: Role): boolean {
  return role === 'operator' || role === 'admin';
}

export function isAdmin(role: Role): boolean {
  return role === 'admin';
}
