/**
 * Converts between the shared model (`src/shared/model.ts`) and the wire messages of the
 * agent channel. Pure: bytes in, model out, and back.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { DhcpTemplateError } from "../errors.ts";
import type {
  IaKind,
  IdentityAssociation,
  Interface,
  Lease4,
  Lease6,
  LeasedAddress,
  LeaseEntryState,
  Node,
  Route,
} from "../model.ts";
import { messages } from "./schema.ts";

/** The operator's answer to a report or heartbeat. */
export interface ReportReply {
  /** The operator lacks the state a heartbeat referred to: send a full report. */
  resend: boolean;
  /** Seconds until the next heartbeat. */
  heartbeat_seconds: number;
}

/** A heartbeat: the agent's state is still the one of its last report. */
export interface HeartbeatRequest {
  /** The node the agent reports for. */
  node_name: string;
  /** {@link reportDigest} of the last report. */
  digest: string;
}

/** Bytes on the wire could not be decoded as the expected message. */
export class WireDecodeError extends DhcpTemplateError {
  /** Creates the error for a message of type `message`. */
  constructor(message: string, detail: string, cause?: unknown) {
    super(`Cannot decode "${message}": ${detail}`, { message }, { cause });
  }
}

const WIRE_STATES: Record<LeaseEntryState, string> = {
  active: "LEASE_ENTRY_STATE_ACTIVE",
  draining: "LEASE_ENTRY_STATE_DRAINING",
};

const TO_OBJECT = { enums: String, longs: Number, defaults: true, arrays: true } as const;

/** A full report as an agent sends it: the node, and when the agent saw the change. */
export interface AgentReport {
  /** The node and its leases. */
  node: Node;
  /** When the agent saw the lease change (RFC 3339); absent when unknown. */
  seenAt?: string;
}

/** Encodes a node's full report (without `seen_at`: what {@link reportDigest} covers). */
export function encodeReport(node: Node): Uint8Array {
  return encodeAgentReport({ node });
}

/** Decodes a node's full report. */
export function decodeReport(bytes: Uint8Array): Node {
  return decodeAgentReport(bytes).node;
}

/** Encodes a full report with the time the agent saw the change. */
export function encodeAgentReport(report: AgentReport): Uint8Array {
  const wire = messages.nodeReport.fromObject({
    node: nodeToWire(report.node),
    seen_at: report.seenAt ?? "",
  });
  return messages.nodeReport.encode(wire).finish();
}

/** Decodes a full report with the time the agent saw the change. */
export function decodeAgentReport(bytes: Uint8Array): AgentReport {
  const report = decode("NodeReport", bytes, messages.nodeReport);
  const node = nodeFromWire(record(report.node));
  const seenAt = string(report.seen_at);
  return seenAt ? { node, seenAt } : { node };
}

/** Encodes a heartbeat. */
export function encodeHeartbeat(heartbeat: HeartbeatRequest): Uint8Array {
  return messages.heartbeatRequest.encode(messages.heartbeatRequest.fromObject(heartbeat))
    .finish();
}

/** Decodes a heartbeat. */
export function decodeHeartbeat(bytes: Uint8Array): HeartbeatRequest {
  const heartbeat = decode("HeartbeatRequest", bytes, messages.heartbeatRequest);
  return { node_name: string(heartbeat.node_name), digest: string(heartbeat.digest) };
}

/** Encodes the operator's reply. */
export function encodeReply(reply: ReportReply): Uint8Array {
  return messages.reportReply.encode(messages.reportReply.fromObject(reply)).finish();
}

/** Decodes the operator's reply. */
export function decodeReply(bytes: Uint8Array): ReportReply {
  const reply = decode("ReportReply", bytes, messages.reportReply);
  return { resend: reply.resend === true, heartbeat_seconds: number(reply.heartbeat_seconds) };
}

/**
 * The digest a heartbeat carries: hex SHA-256 of the encoded report. Agent and operator compute
 * it from the same model, so it survives a decode/encode round trip.
 */
export function reportDigest(node: Node): string {
  return createHash("sha256").update(encodeReport(node)).digest("hex");
}

type Loose = Record<string, unknown>;

function decode(
  name: string,
  bytes: Uint8Array,
  type: (typeof messages)[keyof typeof messages],
): Loose {
  try {
    return type.toObject(type.decode(bytes), TO_OBJECT) as Loose;
  } catch (error) {
    throw new WireDecodeError(name, error instanceof Error ? error.message : String(error), error);
  }
}

function nodeToWire(node: Node): Loose {
  return { name: node.name, interfaces: node.interfaces.map(interfaceToWire) };
}

function interfaceToWire(iface: Interface): Loose {
  const wire: Loose = { name: iface.name };
  if (iface.ssid !== undefined) wire.ssid = iface.ssid;
  if (iface.lease4) wire.lease4 = iface.lease4;
  if (iface.lease6) {
    const { address6_draining, prefix6_draining } = iface.lease6;
    wire.lease6 = {
      ...iface.lease6,
      address6: iface.lease6.address6.map(addressToWire),
      prefix6: iface.lease6.prefix6.map(addressToWire),
      temporary6: iface.lease6.temporary6.map(addressToWire),
      ...(address6_draining ? { address6_draining: address6_draining.map(addressToWire) } : {}),
      ...(prefix6_draining ? { prefix6_draining: prefix6_draining.map(addressToWire) } : {}),
    };
  }
  return wire;
}

function addressToWire(address: LeasedAddress): Loose {
  const { state, ...rest } = address;
  return state ? { ...rest, state: WIRE_STATES[state] } : rest;
}

function nodeFromWire(wire: Loose): Node {
  return { name: string(wire.name), interfaces: list(wire.interfaces).map(interfaceFromWire) };
}

function interfaceFromWire(wire: Loose): Interface {
  const iface: Interface = { name: string(wire.name) };
  if (wire.ssid !== undefined) iface.ssid = string(wire.ssid);
  if (wire.lease4 !== undefined) iface.lease4 = lease4FromWire(record(wire.lease4));
  if (wire.lease6 !== undefined) iface.lease6 = lease6FromWire(record(wire.lease6));
  return iface;
}

function lease4FromWire(wire: Loose): Lease4 {
  const lease: Lease4 = {
    routers: strings(wire.routers),
    classless_routes: list(wire.classless_routes).map(routeFromWire),
    static_routes: list(wire.static_routes).map(routeFromWire),
    dns: strings(wire.dns),
    search: strings(wire.search),
    ntp: strings(wire.ntp),
    lease_time: number(wire.lease_time),
    t1: number(wire.t1),
    t2: number(wire.t2),
    obtained_at: string(wire.obtained_at),
    valid_until: string(wire.valid_until),
  };
  if (wire.ip !== undefined) lease.ip = string(wire.ip);
  if (wire.len !== undefined) lease.len = number(wire.len);
  if (wire.domain !== undefined) lease.domain = string(wire.domain);
  if (wire.server_id !== undefined) lease.server_id = string(wire.server_id);
  if (wire.mtu !== undefined) lease.mtu = number(wire.mtu);
  if (wire.host_name !== undefined) lease.host_name = string(wire.host_name);
  return lease;
}

function routeFromWire(wire: Loose): Route {
  return {
    destination: string(wire.destination),
    len: number(wire.len),
    router: string(wire.router),
  };
}

const IA_KINDS: readonly string[] = ["na", "ta", "pd"] satisfies IaKind[];

function iaFromWire(wire: Loose): IdentityAssociation {
  const kind = string(wire.kind);
  if (!IA_KINDS.includes(kind)) {
    throw new WireDecodeError("IdentityAssociation", `kind "${kind}" is not na, ta or pd`);
  }
  const ia: IdentityAssociation = {
    kind: kind as IaKind,
    iaid: string(wire.iaid),
    t1: number(wire.t1),
    t2: number(wire.t2),
    status_code: number(wire.status_code),
  };
  if (wire.status_message !== undefined) ia.status_message = string(wire.status_message);
  return ia;
}

function lease6FromWire(wire: Loose): Lease6 {
  const lease: Lease6 = {
    address6: list(wire.address6).map(addressFromWire),
    prefix6: list(wire.prefix6).map(addressFromWire),
    temporary6: list(wire.temporary6).map(addressFromWire),
    ia: list(wire.ia).map(iaFromWire),
    dns: strings(wire.dns),
    search: strings(wire.search),
    ntp: strings(wire.ntp),
    t1: number(wire.t1),
    t2: number(wire.t2),
    obtained_at: string(wire.obtained_at),
  };
  // Present only when not empty (as the operator stores them), so that stored data round-trips.
  const address6Draining = list(wire.address6_draining).map(addressFromWire);
  if (address6Draining.length > 0) lease.address6_draining = address6Draining;
  const prefix6Draining = list(wire.prefix6_draining).map(addressFromWire);
  if (prefix6Draining.length > 0) lease.prefix6_draining = prefix6Draining;
  if (wire.server_id !== undefined) lease.server_id = string(wire.server_id);
  if (wire.status_code !== undefined) lease.status_code = number(wire.status_code);
  if (wire.status_message !== undefined) lease.status_message = string(wire.status_message);
  return lease;
}

function addressFromWire(wire: Loose): LeasedAddress {
  const address: LeasedAddress = {
    ip: string(wire.ip),
    len: number(wire.len),
    preferred_lifetime: number(wire.preferred_lifetime),
    valid_lifetime: number(wire.valid_lifetime),
    preferred_until: string(wire.preferred_until),
    valid_until: string(wire.valid_until),
  };
  if (wire.state === WIRE_STATES.active) address.state = "active";
  if (wire.state === WIRE_STATES.draining) address.state = "draining";
  if (wire.iaid !== undefined) address.iaid = string(wire.iaid);
  return address;
}

function record(value: unknown): Loose {
  return value !== null && typeof value === "object" ? value as Loose : {};
}

function list(value: unknown): Loose[] {
  return Array.isArray(value) ? value.map(record) : [];
}

function string(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(string) : [];
}

function number(value: unknown): number {
  return typeof value === "number" ? value : 0;
}
