/**
 * The error of the lease decoder: which file, which byte, what is wrong.
 *
 * @module
 */
import { DhcpTemplateError } from "../../shared/errors.ts";

/** A lease file that cannot be decoded; names the file and the byte offset of the problem. */
export class LeaseDecodeError extends DhcpTemplateError {
  /** The lease file. */
  readonly file: string;
  /** Byte offset in the file where the problem is. */
  readonly offset: number;
  /** What is wrong, without the file name (for warnings about a dropped option). */
  readonly detail: string;

  /** Creates the error for `file` at byte `offset`. */
  constructor(file: string, offset: number, detail: string) {
    super(`Cannot decode lease "${file}" at byte ${offset}: ${detail}`, { file, offset });
    this.file = file;
    this.offset = offset;
    this.detail = detail;
  }
}
