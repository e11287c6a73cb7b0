/**
 * The wire schema of the agent → operator channel, loaded from `proto/dhcp-template.proto`. The
 * proto text is imported as a module so `deno compile` embeds it.
 *
 * @module
 */
import protobuf from "protobufjs";
import protoText from "../../../proto/dhcp-template.proto" with { type: "text" };

/** The protobuf package of the schema. */
export const PROTO_PACKAGE = "dhcptemplate.v1";

/** The gRPC service name agents call (`package.Service`). */
export const SERVICE_NAME = `${PROTO_PACKAGE}.AgentChannel`;

const root = protobuf.parse(protoText, { keepCase: true }).root;

/** The message types of the schema. */
export const messages = {
  /** A full report of one node. */
  nodeReport: root.lookupType(`${PROTO_PACKAGE}.NodeReport`),
  /** A heartbeat. */
  heartbeatRequest: root.lookupType(`${PROTO_PACKAGE}.HeartbeatRequest`),
  /** The reply to a report or heartbeat. */
  reportReply: root.lookupType(`${PROTO_PACKAGE}.ReportReply`),
} as const;

/** The values of the `LeaseEntryState` enum by name. */
export const leaseEntryStates: Readonly<Record<string, number>> = root.lookupEnum(
  `${PROTO_PACKAGE}.LeaseEntryState`,
).values;
