// Where the edge may deliver webhooks. It POSTs on a subscriber's behalf, so a receiver URL that points into a
// private network would let any subscriber probe or call it (SSRF). A receiver must be https, carry no
// credentials, and name a publicly reachable host.
//
// The WHATWG URL parser normalises the host first: IPv4 in decimal, hex, octal or short form (`2130706433`,
// `0x7f.1`) becomes a dotted quad, IPv6 becomes compressed lowercase hex in brackets (`[::ffff:127.0.0.1]`
// arrives as `[::ffff:7f00:1]`). The literal is then read into bytes and judged by range, never by spelling.
// Forms that embed an IPv4 address are refused whole (IPv4-mapped, IPv4-compatible, NAT64, Teredo): a public
// receiver can be given by its plain address. 6to4 (2002::/16) is judged by the IPv4 address it embeds. IPv6
// outside 2000::/3 (global unicast) is refused. Names for local networks (localhost and its subdomains, .local,
// .internal, .home.arpa, single labels) are refused, with or without the trailing dot.
// Names are not resolved here: a public name whose DNS points at a private address is not caught by this check.
// The development switch allows http(s) to localhost, 127.0.0.1 and [::1] only.

type Range = readonly [network: string, prefix: number, reason: string];

const IPV4: readonly Range[] = [
  ["0.0.0.0", 8, "unspecified address (0.0.0.0/8)"],
  ["10.0.0.0", 8, "private address (RFC 1918, 10.0.0.0/8)"],
  ["100.64.0.0", 10, "shared CGNAT address (100.64.0.0/10)"],
  ["127.0.0.0", 8, "loopback address (127.0.0.0/8)"],
  ["169.254.0.0", 16, "link-local address (169.254.0.0/16)"],
  ["172.16.0.0", 12, "private address (RFC 1918, 172.16.0.0/12)"],
  ["192.0.0.0", 24, "IETF protocol assignment (192.0.0.0/24)"],
  ["192.0.2.0", 24, "documentation address (192.0.2.0/24)"],
  ["192.88.99.0", 24, "6to4 relay anycast address (192.88.99.0/24)"],
  ["192.168.0.0", 16, "private address (RFC 1918, 192.168.0.0/16)"],
  ["198.18.0.0", 15, "benchmarking address (198.18.0.0/15)"],
  ["198.51.100.0", 24, "documentation address (198.51.100.0/24)"],
  ["203.0.113.0", 24, "documentation address (203.0.113.0/24)"],
  ["224.0.0.0", 4, "multicast address (224.0.0.0/4)"],
  ["240.0.0.0", 4, "reserved address (240.0.0.0/4, incl. broadcast)"],
];

// Order matters: the first match names the class (:: and ::1 lie inside ::/96).
const IPV6: readonly Range[] = [
  ["::", 128, "unspecified address (::)"],
  ["::1", 128, "loopback address (::1)"],
  ["::ffff:0:0", 96, "IPv4-mapped address (::ffff:0:0/96)"],
  ["::", 96, "IPv4-compatible address (::/96)"],
  ["64:ff9b::", 96, "NAT64 address (64:ff9b::/96)"],
  ["64:ff9b:1::", 48, "local-use NAT64 address (64:ff9b:1::/48)"],
  ["100::", 64, "discard-only address (100::/64)"],
  ["2001::", 32, "Teredo address (2001::/32)"],
  ["2001:2::", 48, "benchmarking address (2001:2::/48)"],
  ["2001:10::", 28, "ORCHID address (2001:10::/28)"],
  ["2001:20::", 28, "ORCHIDv2 address (2001:20::/28)"],
  ["2001:db8::", 32, "documentation address (2001:db8::/32)"],
  ["3fff::", 20, "documentation address (3fff::/20)"],
  ["fc00::", 7, "unique-local address (fc00::/7)"],
  ["fe80::", 10, "link-local address (fe80::/10)"],
  ["fec0::", 10, "site-local address (fec0::/10)"],
  ["ff00::", 8, "multicast address (ff00::/8)"],
];

const LOCAL_SUFFIXES: readonly [string, string][] = [
  [".local", "mDNS .local name"],
  [".internal", "private-use .internal name"],
  [".home.arpa", "home network .home.arpa name"],
  [".localdomain", "local .localdomain name"],
  [".test", "reserved .test name"],
  [".invalid", "reserved .invalid name"],
  [".onion", "Tor .onion name"],
  [".arpa", "reverse-lookup .arpa name"],
];

function ipv4Bytes(text: string): number[] | null {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return null;
  const bytes = text.split(".").map(Number);
  return bytes.every((byte) => byte <= 255) ? bytes : null;
}

/** 16-byte IPv6 address: `::` stands for one or more zero groups; the last group may be a dotted quad. */
function ipv6Bytes(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string, last: boolean): number[] | null => {
    if (part === "") return [];
    const pieces = part.split(":");
    const out: number[] = [];
    for (const [i, piece] of pieces.entries()) {
      const quad = last && i === pieces.length - 1 ? ipv4Bytes(piece) : null;
      if (quad) out.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
      else if (/^[0-9a-f]{1,4}$/i.test(piece)) out.push(parseInt(piece, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1]!, true) : [];
  if (!head || !tail) return null;
  const gap = 8 - head.length - tail.length;
  if (halves.length === 2 ? gap < 1 : gap !== 0) return null;
  return [...head, ...Array<number>(gap).fill(0), ...tail].flatMap((group) => [group >> 8, group & 0xff]);
}

/** The bytes of an IP literal (4 for IPv4, 16 for IPv6, brackets optional), or null for a name. */
export function ipBytes(host: string): number[] | null {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return bare.includes(":") ? ipv6Bytes(bare) : ipv4Bytes(bare);
}

function inRange(bytes: readonly number[], [network, prefix]: Range): boolean {
  const net = ipBytes(network)!;
  if (net.length !== bytes.length) return false;
  for (let bit = 0; bit < prefix; bit += 8) {
    const mask = (0xff << (8 - Math.min(8, prefix - bit))) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (net[bit / 8]! & mask)) return false;
  }
  return true;
}

/** Why an address (4 or 16 bytes) may not receive webhooks, or null when it is public. */
export function addressClass(bytes: readonly number[]): string | null {
  if (bytes.length === 4) return IPV4.find((range) => inRange(bytes, range))?.[2] ?? null;
  const range = IPV6.find((candidate) => inRange(bytes, candidate));
  if (range) return range[2];
  if (bytes[0] === 0x20 && bytes[1] === 0x02) {
    const embedded = addressClass(bytes.slice(2, 6));
    return embedded ? `6to4 address of a ${embedded}` : null;
  }
  return (bytes[0]! & 0xe0) === 0x20 ? null : "reserved IPv6 address (outside 2000::/3)";
}

function hostClass(hostname: string): string | null {
  const bytes = ipBytes(hostname);
  if (bytes) return addressClass(bytes);
  if (hostname.startsWith("[")) return "unreadable IPv6 address";
  const name = hostname.toLowerCase().replace(/\.+$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return "localhost";
  const suffix = LOCAL_SUFFIXES.find(([ending]) => name.endsWith(ending));
  if (suffix) return suffix[1];
  return name.includes(".") ? null : "single-label host name (not a public domain)";
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
  const refused = hostClass(host);
  return refused ? { error: `${refused} is not allowed` } : { url: url.href };
}
