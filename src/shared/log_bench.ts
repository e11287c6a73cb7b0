import { DhcpTemplateError } from "./errors.ts";
import { createLogger } from "./log.ts";

const fields = { node: "node-a", template: "dhcp-pool-template", applied: 3 };
const error = new DhcpTemplateError('Cannot render "pools": unknown filter', {
  template: "pools",
  line: 4,
});
/** Keeps the formatted lines observable, so formatting is not optimised away. */
export let written = 0;
const sink = (line: string) => {
  written += line.length;
};
const json = createLogger({ format: "json", level: "info", sink }).child({ component: "operator" });
const text = createLogger({ format: "text", level: "info", sink }).child({ component: "operator" });

Deno.bench("log: JSON record with three fields", { group: "log" }, () => {
  json.info("Applied objects", fields);
});

Deno.bench("log: text record with three fields", { group: "log" }, () => {
  text.info("Applied objects", fields);
});

Deno.bench("log: JSON record with a typed error", { group: "log" }, () => {
  json.error("Reconcile failed", { ...fields, error });
});

Deno.bench("log: debug record dropped at level info", { group: "log" }, () => {
  json.debug("Heartbeat", fields);
});
