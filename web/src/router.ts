/** A small router over the History API: pages live under /ui/ (the web face serves index.html for all of them). */
import { useEffect, useState } from 'react';
import type { MouseEvent } from 'react';

const BASE = '/ui/';

/** The page path below /ui/ ('' for the start page). */
export function currentPath(): string {
  const p = window.location.pathname;
  return p.startsWith(BASE) ? decodeURIComponent(p.slice(BASE.length)) : '';
}

export function href(path: string): string {
  return BASE + path.split('/').map(encodeURIComponent).join('/');
}

export function navigate(path: string, replace = false): void {
  const url = href(path);
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** An onClick for <a href={href(path)}>: in-app navigation, a new tab still works. */
export function linkTo(path: string): (e: MouseEvent) => void {
  return (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(path);
  };
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const on = (): void => setPath(currentPath());
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return path;
}
