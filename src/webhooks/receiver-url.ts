// Where the edge may deliver webhooks. It makes requests on a subscriber's behalf, so an URL that points into
// a private network (SSRF) is refused: https only, no credentials, no localhost, no IP literal in loopback,
// private, link-local, unique-local or other non-public ranges. A development switch allows local receivers.

function ipv4Blocked(host: string): boolean {
  const parts = host.split(".").map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return false;
  const [a, b] = parts as [number, number, number, number];
  return (
    a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) || a >= 224
  );
}

function ipv6Blocked(host: string): boolean {
  const address = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (!address.includes(":")) return false;
  if (address === "::" || address === "::1") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return ipv4Blocked(mapped[1]!);
  if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(address)) return true; // IPv4-mapped in hex: refuse rather than decode
  const first = parseInt(address.split(":")[0] || "0", 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00;
}

export function checkReceiverUrl(input: string, development: boolean): { url: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { error: "not a URL" };
  }
  if (url.username || url.password) return { error: "credentials in the URL are not allowed" };
  const host = url.hostname.toLowerCase();
  const local = host === "localhost" || host === "127.0.0.1" || host === "[::1]";
  if (development && local && (url.protocol === "http:" || url.protocol === "https:")) return { url: url.href };
  if (url.protocol !== "https:") return { error: "must be https" };
  if (host === "localhost" || host.endsWith(".localhost")) return { error: "localhost is not allowed" };
  if (ipv4Blocked(host) || ipv6Blocked(host)) return { error: "addresses in private, loopback or link-local ranges are not allowed" };
  return { url: url.href };
}
