/**
 * The logging the channel's modules need: a structural subset of the project's structured
 * logger, so any logger with these methods can be passed in.
 *
 * @module
 */

/** Named values attached to a log record. */
export type ChannelLogFields = Record<string, unknown>;

/** Where the channel's modules log. */
export interface ChannelLog {
  /** Details that help while debugging. */
  debug(message: string, fields?: ChannelLogFields): void;
  /** A normal event. */
  info(message: string, fields?: ChannelLogFields): void;
  /** Something unexpected that the process recovers from. */
  warn(message: string, fields?: ChannelLogFields): void;
  /** A failure that needs attention. */
  error(message: string, fields?: ChannelLogFields): void;
}

/** A log that drops everything. */
export const SILENT_LOG: ChannelLog = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
