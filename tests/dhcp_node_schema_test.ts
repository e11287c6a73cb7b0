/**
 * Lease text stays data, in the cluster too: the DHCPNode CRD's schema holds every string to the
 * grammar of `src/shared/names.ts`, so the real apiserver refuses a DHCPNode carrying quotes,
 * `:`, `{`, `#`, line separators, non-breaking spaces or control characters — whoever writes it.
 */
import assert from "node:assert/strict";
import { ApiException, CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import { DHCP_NODE_API_VERSION, DHCP_NODE_KIND } from "../src/operator/nodes/dhcp_node.ts";
import type { Interface } from "../src/shared/model.ts";
import { NODE_TEXT_PATTERNS } from "../src/shared/names.ts";
import { installCrds, testKubeConfig, uniqueName } from "./support/cluster.ts";
import { DHCP_NODE_CRD } from "./support/channel.ts";

const GROUP = { group: "k8s.lukasdietrich.com", version: "v1alpha1", plural: "dhcpnodes" };

type Schema = {
  type?: string;
  pattern?: string;
  enum?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
};

/** Every string field of `schema`, with its path. */
function stringFields(schema: Schema, path: string): [string, Schema][] {
  if (schema.type === "string") return [[path, schema]];
  return [
    ...Object.entries(schema.properties ?? {}).flatMap(([key, field]) =>
      stringFields(field, `${path}.${key}`)
    ),
    ...(schema.items ? stringFields(schema.items, `${path}[]`) : []),
  ];
}

function goodInterfaces(): Interface[] {
  return [{
    name: "wlan0",
    ssid: "Café Net",
    lease4: {
      ip: "198.51.100.23",
      len: 24,
      routers: ["198.51.100.1"],
      classless_routes: [],
      static_routes: [{ destination: "10.0.0.0", len: 8, router: "198.51.100.1" }],
      host_name: "node-a.example.test",
      dns: ["198.51.100.53"],
      domain: "example.test",
      search: ["example.test"],
      ntp: [],
      server_id: "198.51.100.1",
      lease_time: 3600,
      t1: 1800,
      t2: 3150,
      obtained_at: "2026-11-24T14:00:00Z",
      valid_until: "2026-11-24T15:00:00Z",
    },
    lease6: {
      address6: [],
      temporary6: [],
      ia: [{ kind: "pd", iaid: "0a0b0c0d", t1: 900, t2: 1440, status_code: 0 }],
      status_code: 0,
      status_message: "All fine (pool 2), thanks.",
      prefix6: [{
        ip: "2001:db8:1200::",
        len: 56,
        preferred_lifetime: 1800,
        valid_lifetime: 3600,
        preferred_until: "2026-11-24T14:30:00.123Z",
        valid_until: "2026-11-24T15:00:00+00:00",
        state: "active",
        iaid: "0a0b0c0d",
      }],
      dns: ["2001:db8::53", "fe80::53%wlan0"],
      search: ["example.test"],
      ntp: [],
      server_id: "00:01:00:01:2c:4f:1a:2b:52:54:00:12:34:56",
      t1: 900,
      t2: 1440,
      obtained_at: "2026-11-24T14:00:00Z",
    },
  }];
}

/** Where hostile text goes in a DHCPNode's interfaces. */
const FIELDS: Record<string, (iface: Interface, value: string) => void> = {
  "name": (iface, value) => iface.name = value,
  "ssid": (iface, value) => iface.ssid = value,
  "lease4.domain": (iface, value) => iface.lease4!.domain = value,
  "lease4.search": (iface, value) => iface.lease4!.search = [value],
  "lease4.server_id": (iface, value) => iface.lease4!.server_id = value,
  "lease4.obtained_at": (iface, value) => iface.lease4!.obtained_at = value,
  "lease6.server_id": (iface, value) => iface.lease6!.server_id = value,
  "lease6.search": (iface, value) => iface.lease6!.search = [value],
  "lease6.dns": (iface, value) => iface.lease6!.dns = [value],
  "lease6.prefix6.ip": (iface, value) => iface.lease6!.prefix6[0].ip = value,
  "lease6.prefix6.iaid": (iface, value) => iface.lease6!.prefix6[0].iaid = value,
  "lease4.host_name": (iface, value) => iface.lease4!.host_name = value,
  "lease4.static_routes.router": (iface, value) => iface.lease4!.static_routes[0].router = value,
  "lease6.status_message": (iface, value) => iface.lease6!.status_message = value,
  "lease6.ia.status_message": (iface, value) => iface.lease6!.ia[0].status_message = value,
  "lease6.dns zone": (iface, value) => iface.lease6!.dns = [`fe80::53%${value}`],
};

const HOSTILE = [
  "Bob's",
  'say "hi"',
  "a: b",
  "{{ x }}",
  "#x",
  "x\u2028y",
  "x\u00a0y",
  "x\ny",
  "x\u0000y",
];

Deno.test("the DHCPNode schema gives every string a pattern of the shared grammar", async () => {
  const crd = parse(await Deno.readTextFile(DHCP_NODE_CRD)) as {
    spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
  };
  const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties!.spec;
  const fields = stringFields(spec, "spec");
  assert.ok(fields.length > 20, `${fields.length} string fields`);
  const known = new Set<string>(Object.values(NODE_TEXT_PATTERNS));
  for (const [path, field] of fields) {
    assert.ok(field.enum || (field.pattern && known.has(field.pattern)), path);
  }
});

Deno.test("the apiserver refuses a DHCPNode with lease text that is not data", async () => {
  const config = testKubeConfig();
  await installCrds(config, DHCP_NODE_CRD);
  const custom = config.makeApiClient(CustomObjectsApi);
  const name = uniqueName("schema");
  const create = async (interfaces: Interface[], reportDigest = "0".repeat(64)) => {
    try {
      await custom.createClusterCustomObject({
        ...GROUP,
        dryRun: "All",
        body: {
          apiVersion: DHCP_NODE_API_VERSION,
          kind: DHCP_NODE_KIND,
          metadata: { name },
          spec: {
            interfaces,
            reportDigest,
            reportedAt: "2026-11-24T14:00:00Z",
            summary: { interfaces: 1, addresses: 0, prefixes: 1 },
          },
        },
      });
      return 201;
    } catch (error) {
      if (error instanceof ApiException) return error.code;
      throw error;
    }
  };
  assert.equal(await create(goodInterfaces()), 201, "well-formed lease data is stored");
  const accepted: string[] = [];
  for (const [field, put] of Object.entries(FIELDS)) {
    for (const value of HOSTILE) {
      const interfaces = goodInterfaces();
      put(interfaces[0], value);
      if (await create(interfaces) !== 422) accepted.push(`${field} ${JSON.stringify(value)}`);
    }
  }
  assert.deepEqual(accepted, [], "refused as invalid (422)");
  assert.equal(await create(goodInterfaces(), "not a digest"), 422);
});
