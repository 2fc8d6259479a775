import { describe, expect, it } from "vitest";
import { checkReceiverUrl } from "../../src/webhooks/receiver-url.ts";

// Every form below must be refused outside development: the edge would otherwise POST into a private network.
const refused: string[] = [
  // IPv4 in every spelling the URL parser accepts, and every non-public range.
  "https://0.0.0.0/",
  "https://0/",
  "https://10.0.0.1/",
  "https://100.64.0.1/",
  "https://100.127.255.254/",
  "https://127.0.0.1/",
  "https://127.0.0.1./",
  "https://127.1/",
  "https://2130706433/",
  "https://0x7f.0.0.1/",
  "https://017700000001/",
  "https://169.254.169.254/latest/meta-data",
  "https://172.16.0.1/",
  "https://172.31.255.255/",
  "https://192.0.0.8/",
  "https://192.0.2.1/",
  "https://192.88.99.1/",
  "https://192.168.1.1/",
  "https://198.18.0.1/",
  "https://198.19.255.1/",
  "https://198.51.100.7/",
  "https://203.0.113.9/",
  "https://224.0.0.1/",
  "https://239.255.255.250/",
  "https://240.0.0.1/",
  "https://255.255.255.255/",
  // IPv6, including every form that embeds an IPv4 address.
  "https://[2001:2::1]/",
  "https://[2001:10::1]/",
  "https://hooks.localdomain/",
  "https://hooks.test/",
  "https://hooks.invalid/",
  "https://hidden.onion/",
  "https://1.0.0.127.in-addr.arpa/",
  "https://[::]/",
  "https://[::1]/",
  "https://[0:0:0:0:0:0:0:1]/",
  "https://[::ffff:127.0.0.1]/",
  "https://[::ffff:a9fe:a9fe]/",
  "https://[::ffff:8.8.8.8]/",
  "https://[::ffff:0:7f00:1]/",
  "https://[::127.0.0.1]/",
  "https://[64:ff9b::a00:1]/",
  "https://[64:ff9b::8.8.8.8]/",
  "https://[64:ff9b:1::1]/",
  "https://[2002:c0a8:101::1]/",
  "https://[2002:7f00:1::]/",
  "https://[2002:a9fe:a9fe::1]/",
  "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
  "https://[2001:db8::1]/",
  "https://[3fff::1]/",
  "https://[100::1]/",
  "https://[fc00::1]/",
  "https://[fd12:3456::1]/",
  "https://[fe80::1]/",
  "https://[febf::1]/",
  "https://[fec0::1]/",
  "https://[ff02::1]/",
  "https://[4000::1]/",
  // Local-only names.
  "https://localhost/",
  "https://localhost./",
  "https://localhost../",
  "https://LOCALHOST/",
  "https://LocalHost.:8443/",
  "https://local%68ost/",
  "https://a.b.localhost/",
  "https://api.localhost./",
  "https://printer.local/",
  "https://metadata.google.internal/computeMetadata/v1/",
  "https://router.home.arpa/",
  "https://intranet/",
  // Scheme, credentials, not a URL.
  "https://user:pw@hooks.example/",
  "https://user@hooks.example/",
  "http://hooks.example/",
  "http://localhost:9000/hook",
  "ftp://hooks.example/",
  "file:///etc/passwd",
  "javascript:alert(1)",
  "hooks.example/x",
];

const accepted: [string, string][] = [
  ["https://hooks.partner.example/x?y=1", "https://hooks.partner.example/x?y=1"],
  ["https://8.8.8.8/", "https://8.8.8.8/"],
  ["https://1.1.1.1/hook", "https://1.1.1.1/hook"],
  ["https://[2606:4700::1111]/", "https://[2606:4700::1111]/"],
  ["https://[2002:808:808::1]/", "https://[2002:808:808::1]/"],
  ["https://example.com:8443/path", "https://example.com:8443/path"],
  ["https://xn--bcher-kva.example/hook", "https://xn--bcher-kva.example/hook"],
  ["https://bücher.example/hook", "https://xn--bcher-kva.example/hook"],
  ["https://Hooks.Example.COM:443/a", "https://hooks.example.com/a"],
  ["https://localhost.example.com/", "https://localhost.example.com/"],
  ["https://100.128.0.1/", "https://100.128.0.1/"],
  ["https://172.32.0.1/", "https://172.32.0.1/"],
  ["https://198.20.0.1/", "https://198.20.0.1/"],
  ["https://223.255.255.255/", "https://223.255.255.255/"],
];

describe("checkReceiverUrl", () => {
  it.each(refused)("refuses %s", (input) => {
    const result = checkReceiverUrl(input, false);
    expect(result).toHaveProperty("error");
    // Refused for what it points at, not because the parser gave up on it.
    expect("error" in result && result.error).toMatch(/^https?:/.test(input) ? /not allowed$|must be https/ : /not a URL|must be https/);
  });

  it.each(accepted)("accepts %s", (input, url) => {
    expect(checkReceiverUrl(input, false)).toEqual({ url });
  });

  it.each([
    ["https://127.0.0.1/", "loopback"],
    ["https://[::1]/", "loopback"],
    ["https://10.0.0.1/", "private address (RFC 1918"],
    ["https://100.64.0.1/", "CGNAT"],
    ["https://169.254.169.254/", "link-local"],
    ["https://0.0.0.0/", "unspecified"],
    ["https://[::]/", "unspecified"],
    ["https://[::ffff:127.0.0.1]/", "IPv4-mapped"],
    ["https://[::127.0.0.1]/", "IPv4-compatible"],
    ["https://[64:ff9b::a00:1]/", "NAT64"],
    ["https://[2002:c0a8:101::1]/", "6to4 address of a private address (RFC 1918"],
    ["https://[2001:0:4136:e378::1]/", "Teredo"],
    ["https://[fd00::1]/", "unique-local"],
    ["https://[fec0::1]/", "site-local"],
    ["https://[ff02::1]/", "multicast"],
    ["https://a.b.localhost./", "localhost"],
    ["https://printer.local/", ".local"],
    ["https://user:pw@hooks.example/", "credentials"],
    ["http://hooks.example/", "must be https"],
  ])("says why %s is refused", (input, reason) => {
    const result = checkReceiverUrl(input, false);
    expect("error" in result && result.error, input).toContain(reason);
  });

  it("allows local http(s) receivers only with the development switch", () => {
    for (const url of ["http://localhost:9000/hook", "http://127.0.0.1:9000/hook", "http://[::1]:9000/hook", "https://localhost/hook"]) {
      expect(checkReceiverUrl(url, true), url).toEqual({ url });
      expect(checkReceiverUrl(url, false), url).toHaveProperty("error");
    }
  });

  it("still refuses other private receivers, plain http and credentials in development", () => {
    for (const url of ["https://10.0.0.1/", "https://192.168.1.1/", "https://[fd00::1]/", "http://hooks.example/", "http://user:pw@localhost/", "ftp://localhost/"]) {
      expect(checkReceiverUrl(url, true), url).toHaveProperty("error");
    }
    expect(checkReceiverUrl("https://hooks.example/x", true)).toEqual({ url: "https://hooks.example/x" });
  });
});
