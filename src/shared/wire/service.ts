/**
 * The gRPC service definition of the agent channel (`dhcptemplate.v1.AgentChannel`) for
 * @grpc/grpc-js, with the codecs of `codec.ts` as (de)serializers.
 *
 * @module
 */
import type { ServiceDefinition } from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import {
  type AgentReport,
  decodeAgentReport,
  decodeHeartbeat,
  decodeReply,
  encodeAgentReport,
  encodeHeartbeat,
  encodeReply,
  type HeartbeatRequest,
  type ReportReply,
} from "./codec.ts";
import { SERVICE_NAME } from "./schema.ts";

/** Largest message either side accepts (bytes). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Full path of the Report method. */
export const REPORT_PATH = `/${SERVICE_NAME}/Report`;
/** Full path of the Heartbeat method. */
export const HEARTBEAT_PATH = `/${SERVICE_NAME}/Heartbeat`;

/** Serializes a report for grpc-js. */
export const serializeReport = (report: AgentReport): Buffer =>
  Buffer.from(encodeAgentReport(report));
/** Serializes a heartbeat for grpc-js. */
export const serializeHeartbeat = (heartbeat: HeartbeatRequest): Buffer =>
  Buffer.from(encodeHeartbeat(heartbeat));
/** Deserializes the operator's reply for grpc-js. */
export const deserializeReply = (bytes: Buffer): ReportReply => decodeReply(bytes);

/** The AgentChannel service: request and response types of each method. */
export const agentChannelService = {
  report: {
    path: REPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: serializeReport,
    requestDeserialize: (bytes: Buffer): AgentReport => decodeAgentReport(bytes),
    responseSerialize: (reply: ReportReply): Buffer => Buffer.from(encodeReply(reply)),
    responseDeserialize: deserializeReply,
  },
  heartbeat: {
    path: HEARTBEAT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: serializeHeartbeat,
    requestDeserialize: (bytes: Buffer): HeartbeatRequest => decodeHeartbeat(bytes),
    responseSerialize: (reply: ReportReply): Buffer => Buffer.from(encodeReply(reply)),
    responseDeserialize: deserializeReply,
  },
} satisfies ServiceDefinition;
