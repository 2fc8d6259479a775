/** At most this many origins per embed token: a token is for a partner's own pages, not the web. */
export const MAX_ORIGINS = 10;

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Checks one origin a partner wants to embed the card in (RFC 6454 serialisation): https, a host, an
 * optional port, nothing else — no path, query, fragment, credentials or wildcard. Plain-http localhost is
 * allowed only in development. Returns the origin as browsers send it, or why it is refused.
 */
export function checkOrigin(input: string, development: boolean): { origin: string } | { error: string } {
  if (input.includes("*")) return { error: "wildcards are not allowed" };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { error: "not a URL" };
  }
  if (url.username || url.password) return { error: "credentials are not allowed" };
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local && development)) {
    return { error: development ? "must be https (or http://localhost)" : "must be https" };
  }
  if (local && !development) return { error: "localhost is allowed only in development" };
  // Only the origin itself: "https://app.example" or "https://app.example/" (browsers never send a path).
  if (url.pathname !== "/" || url.search || url.hash || /[?#]/.test(input)) {
    return { error: "must be an origin only (scheme, host, port), without path, query or fragment" };
  }
  return { origin: url.origin };
}
