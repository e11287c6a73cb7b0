import assert from "node:assert/strict";
import { isDomainName, isInterfaceName, isSsid } from "./names.ts";

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
