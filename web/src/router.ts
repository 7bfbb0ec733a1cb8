import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';

/** A hand-written router: history.pushState to move, popstate for back/forward. */
export interface Location {
  path: string;
  search: string;
}

const NAVIGATED = 'labwire:navigate';

function current(): Location {
  return { path: window.location.pathname, search: window.location.search };
}

export function navigate(url: string, options: { replace?: boolean } = {}): void {
  const target = new URL(url, window.location.href);
  if (target.pathname + target.search === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  window.dispatchEvent(new Event(NAVIGATED));
}

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return location;
}

export type Route = { name: 'logs' } | { name: 'log'; id: string } | { name: 'integrations' } | { name: 'users' } | { name: 'audit' } | { name: 'endpoints' } | { name: 'notFound' };

export function matchRoute(path: string): Route {
  if (path === '/' || path === '/logs' || path === '/logs/') return { name: 'logs' };
  const log = /^\/logs\/([^/]+)\/?$/.exec(path);
  if (log?.[1]) return { name: 'log', id: decodeURIComponent(log[1]) };
  if (path === '/integrations' || path === '/integrations/') return { name: 'integrations' };
  if (path === '/users' || path === '/users/') return { name: 'users' };
  if (path === '/audit' || path === '/audit/') return { name: 'audit' };
  if (path === '/endpoints' || path === '/endpoints/') return { name: 'endpoints' };
  return { name: 'notFound' };
}

/** A plain click on a link moves inside the app; modified clicks (new tab…) are the browser's. */
export function onLinkClick(event: JSX.TargetedMouseEvent<HTMLAnchorElement>): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(event.currentTarget.getAttribute('href') ?? '/');
}

// The list URL the operator came from, so the detail view's Back keeps their filters.
let listUrl = '/';

export function rememberListUrl(url: string): void {
  listUrl = url;
}

export function lastListUrl(): string {
  return listUrl;
}
