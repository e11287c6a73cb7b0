import assert from "node:assert/strict";
import { concernsLeases } from "./lease_dir.ts";

const event = (kind: Deno.FsEvent["kind"], ...paths: string[]): Deno.FsEvent => ({ kind, paths });

Deno.test("events on lease files concern the leases, whatever the kind", () => {
  for (const kind of ["create", "modify", "access", "remove", "rename"] as const) {
    assert.equal(
      concernsLeases(event(kind, "/var/lib/dhcpcd/eth0.lease6"), "/var/lib/dhcpcd"),
      true,
    );
    assert.equal(
      concernsLeases(event(kind, "/var/lib/dhcpcd/eth0.lease"), "/var/lib/dhcpcd"),
      true,
    );
  }
  // A file renamed into place: the event names the temporary file and the lease file.
  assert.equal(
    concernsLeases(
      event("rename", "/var/lib/dhcpcd/eth0.lease6.tmp", "/var/lib/dhcpcd/eth0.lease6"),
      "/var/lib/dhcpcd/",
    ),
    true,
  );
});

Deno.test("events on other files of the directory do not concern the leases", () => {
  for (const name of ["eth0.lease6.tmp", "duid", "secret", "eth0.lease6~"]) {
    assert.equal(
      concernsLeases(event("create", `/var/lib/dhcpcd/${name}`), "/var/lib/dhcpcd"),
      false,
    );
  }
});

Deno.test("events on the directory itself, or naming nothing, may concern the leases", () => {
  assert.equal(concernsLeases(event("remove", "/var/lib/dhcpcd"), "/var/lib/dhcpcd"), true);
  assert.equal(concernsLeases(event("other"), "/var/lib/dhcpcd"), true);
  // A path that is not plainly in the watched directory (a symbolic link on the way): read.
  assert.equal(concernsLeases(event("create", "/srv/dhcpcd/duid"), "/var/lib/dhcpcd"), true);
});

Deno.test("a relative directory is compared by its absolute path", () => {
  const absolute = `${Deno.cwd()}/leases/duid`;
  assert.equal(concernsLeases(event("create", absolute), "leases"), false);
  assert.equal(concernsLeases(event("create", absolute), "./leases/"), false);
});
