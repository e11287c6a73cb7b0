import assert from "node:assert/strict";
import type { Lease4, Lease6 } from "../../shared/model.ts";
import { parseLeaseFileName, toInterfaces } from "./files.ts";

Deno.test("lease file names: families, VLAN dots, wireless SSIDs, other files", () => {
  assert.deepEqual(parseLeaseFileName("eth0.lease"), { interface: "eth0", family: 4 });
  assert.deepEqual(parseLeaseFileName("eth0.lease6"), { interface: "eth0", family: 6 });
  assert.deepEqual(parseLeaseFileName("eth0.100.lease6"), { interface: "eth0.100", family: 6 });
  assert.deepEqual(parseLeaseFileName("br-lan.lease"), { interface: "br-lan", family: 4 });
  // dhcpcd escapes the SSID: space, "/" and non-ASCII bytes as \ooo, a backslash doubled.
  assert.deepEqual(parseLeaseFileName("wlan0-Home\\040Net.lease", ["wlan0"]), {
    interface: "wlan0",
    family: 4,
    ssid: "Home Net",
  });
  for (
    const [escaped, ssid] of [
      ["Caf\\303\\251", "Café"],
      ["a\\057b", "a/b"],
      ["back\\\\slash", "back\\slash"],
      ["plain-ssid_1", "plain-ssid_1"],
      ["not\\9octal", "not\\9octal"],
    ]
  ) {
    assert.equal(parseLeaseFileName(`wlan0-${escaped}.lease6`, ["wlan0"])?.ssid, ssid, escaped);
  }
  assert.deepEqual(parseLeaseFileName("wlan0-x.lease6", []), { interface: "wlan0-x", family: 6 });
  for (const other of ["duid", "secret", "eth0.lease.tmp", "eth0.lease6~", ".lease"]) {
    assert.equal(parseLeaseFileName(other), undefined, other);
  }
});

const lease4 = (obtained: string) => ({ ip: "198.51.100.2", obtained_at: obtained }) as Lease4;
const lease6 = (obtained: string) => ({ prefix6: [], obtained_at: obtained }) as unknown as Lease6;

Deno.test("interfaces: v4 and v6 of one interface merge; VLANs stay apart; latest SSID wins", () => {
  const interfaces = toInterfaces([
    {
      name: { interface: "eth0.100", family: 6 },
      family: 6,
      lease: lease6("2026-11-24T10:00:00Z"),
    },
    { name: { interface: "eth0", family: 4 }, family: 4, lease: lease4("2026-11-24T10:00:00Z") },
    { name: { interface: "eth0", family: 6 }, family: 6, lease: lease6("2026-11-24T10:00:00Z") },
    {
      name: { interface: "wlan0", family: 4, ssid: "old" },
      family: 4,
      lease: lease4("2026-11-20T10:00:00Z"),
    },
    {
      name: { interface: "wlan0", family: 4, ssid: "new" },
      family: 4,
      lease: lease4("2026-11-24T10:00:00Z"),
    },
  ]);
  assert.deepEqual(interfaces.map((iface) => iface.name), ["eth0", "eth0.100", "wlan0"]);
  assert.ok(interfaces[0].lease4 && interfaces[0].lease6);
  assert.ok(interfaces[1].lease6 && !interfaces[1].lease4);
  assert.equal(interfaces[2].ssid, "new");
});
