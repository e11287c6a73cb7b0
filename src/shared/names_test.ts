import assert from "node:assert/strict";
import {
  asMessageText,
  isDomainName,
  isDuid,
  isInterfaceName,
  isSsid,
  matchesNodeText,
  NODE_TEXT_PATTERNS,
} from "./names.ts";

Deno.test("domain names: DNS names pass, crafted values do not", () => {
  for (const name of ["example.test", "lab.example.test.", "_ldap._tcp.example.test", "a-1.b"]) {
    assert.ok(isDomainName(name), name);
  }
  for (
    const name of [
      "",
      "evil.test\nkind: Secret",
      "a b.test",
      '"quoted".test',
      "-lead.test",
      "x".repeat(64) + ".test",
      "{{ nodes }}",
      "a..b",
    ]
  ) {
    assert.ok(!isDomainName(name), JSON.stringify(name));
  }
});

Deno.test("interface names and SSIDs", () => {
  assert.ok(isInterfaceName("eth0.100"));
  assert.ok(isInterfaceName("br-lan"));
  assert.ok(!isInterfaceName("eth0\n---"));
  assert.ok(!isInterfaceName("a-very-long-interface-name"));
  assert.ok(isSsid("Home Net 5GHz"));
  assert.ok(!isSsid("Home\nNet"));
});

/** Lease text a hostile DHCP server or access point could send: none of it may pass. */
const HOSTILE = [
  'Bob"s',
  "Bob's",
  "a: b",
  "{{ nodes }}",
  "{% set x %}",
  "# comment",
  "a#b",
  "line\u2028separator",
  "para\u2029separator",
  "non\u00a0breaking",
  "zero\u200bwidth",
  "right\u202eto-left",
  "\ufeffbom",
  "tab\there",
  "bell\u0007",
  "del\u007f",
  "c1\u0085",
  "new\nline",
  "`tick`",
  "a/b",
  "- item",
  "&anchor",
  "*alias",
  "!tag",
  "@reserved",
  " leading",
  "trailing ",
];

Deno.test("hostile lease text passes no grammar", () => {
  for (const text of HOSTILE) {
    const name = JSON.stringify(text);
    assert.ok(!isSsid(text), `ssid ${name}`);
    assert.ok(!isDomainName(text), `domain ${name}`);
    assert.ok(!isInterfaceName(text), `interface ${name}`);
    assert.ok(!isDuid(text), `duid ${name}`);
    for (const kind of Object.keys(NODE_TEXT_PATTERNS) as (keyof typeof NODE_TEXT_PATTERNS)[]) {
      assert.ok(!matchesNodeText(kind, text), `${kind} ${name}`);
    }
  }
});

Deno.test("SSIDs: words in any script with spaces, dots and dashes; at most 32 bytes", () => {
  for (const ssid of ["Office", "Café", "ノード", "FRITZBox", "a", "x-y_z.1 2"]) {
    assert.ok(isSsid(ssid), ssid);
  }
  assert.ok(isSsid("é".repeat(16)), "32 bytes");
  assert.ok(!isSsid("é".repeat(17)), "34 bytes");
  assert.ok(!isSsid(""));
  assert.ok(!isSsid("a:b"), "a colon, as in IPv6 addresses");
  // A combining mark may follow a letter, never start the name.
  assert.ok(isSsid("e\u0301t\u00e9"));
  assert.ok(!isSsid("\u0301x"));
});

Deno.test("server identifiers: dotted IPv4 and colon-separated DUIDs", () => {
  assert.ok(matchesNodeText("ipv4", "192.0.2.1"));
  assert.ok(isDuid("00:01:00:01:2c:4f:1a:2b:52:54:00:12:34:56"));
  assert.ok(!isDuid("00:01:0"));
  assert.ok(!isDuid("00:01:"));
  assert.ok(!isDuid("AA:BB"));
});

Deno.test("interface names start with a letter, digit or underscore", () => {
  for (const name of ["-eth0", ".eth0", "@eth0"]) assert.ok(!isInterfaceName(name), name);
});

Deno.test("any text becomes a status message in its grammar; good messages stay as they are", () => {
  let state = 20261203;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const samples = [...HOSTILE, "x".repeat(300) + " ", "-", " ", ""];
  for (let i = 0; i < 2000; i++) {
    // Random code points, mostly ASCII, some from anywhere in the BMP (surrogates excluded).
    samples.push(
      Array.from({ length: Math.floor(next() * 40) }, () =>
        String.fromCodePoint(
          next() < 0.7 ? Math.floor(next() * 128) : 0x80 + Math.floor(next() * (0xd800 - 0x80)),
        )).join(""),
    );
  }
  for (const text of samples) {
    const message = asMessageText(text);
    assert.ok(matchesNodeText("statusMessage", message), JSON.stringify(text));
  }
  for (const fine of ["No addresses available (pool 2), try later.", "Erfolg; alles gut", ""]) {
    assert.equal(asMessageText(fine), fine);
  }
});
