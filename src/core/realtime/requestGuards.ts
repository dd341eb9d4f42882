import type { IncomingMessage } from 'node:http';
import net from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  if (LOOPBACK_NAMES.has(host.toLowerCase())) return true;
  return net.isIPv4(host) && host.startsWith('127.');
}

/**
 * Checks the Host header of a request to a server bound to loopback. A web page that rebinds its
 * own domain name to 127.0.0.1 (DNS rebinding) sends its domain here, and is refused; local tools
 * send 127.0.0.1 or localhost. Servers bound to other addresses rely on their token instead.
 */
export function hostHeaderAllowed(request: IncomingMessage, boundHost: string): boolean {
  if (!isLoopbackHost(boundHost)) return true;
  const header = request.headers.host;
  if (!header) return true;
  const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.replace(/:\d+$/, '');
  return isLoopbackHost(name);
}

/**
 * Browsers always send Origin on a WebSocket handshake and an HTTP client usually sends none, so a
 * missing Origin is a local tool, and a present one must be on the allow-list ("*" allows any).
 */
export function originAllowed(request: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes('*')) return true;
  return allowed.some((entry) => entry.toLowerCase() === origin.toLowerCase());
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerToken(request: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
}

/** The token from `Authorization: Bearer …` or, for clients that cannot set headers, `?token=…`. */
export function requestToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  const url = new URL(request.url ?? '/', 'http://localhost');
  return url.searchParams.get('token') ?? undefined;
}

/** Validates an allow-list entry such as `https://grafana.example.com` or `vscode-webview://…`. */
export function normaliseOrigin(entry: string): string {
  const value = entry.trim();
  if (value === '*') return value;
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s/]+$/i.test(value)) {
    throw new Error(`"${entry}" is not an origin (expected scheme://host[:port], e.g. http://localhost:3000)`);
  }
  return value;
}
