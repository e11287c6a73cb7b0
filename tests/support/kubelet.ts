/**
 * A kubelet for the chart's end-to-end test: runs a Pod's containers on this machine exactly as
 * the Pod object says, isolated as a container runtime would, without touching the host.
 *
 * - **Network**: each pod gets a network namespace of its own with its pod IP. Services work as
 *   kube-proxy makes them work: a Service's cluster IP and port inside every pod's namespace lead
 *   (through socat and a Unix socket) to the backend pod's IP and target port; the `kubernetes`
 *   Service leads to the real apiserver.
 * - **Files**: the container's root is an overlay of the host's root whose upper layer lives in
 *   a tmpfs of the container's private mount namespace, mounted read-only when the container has
 *   `readOnlyRootFilesystem`; every volume mount is bound where the spec says (read-only when it
 *   says so): emptyDir, Secret, projected (service account tokens from the TokenRequest API bound
 *   to the pod, ConfigMaps, downward API) and hostPath, mapped onto the simulated node's
 *   directory. `/etc/hosts` names the Services, as cluster DNS would.
 * - **Process**: the command (the image's entry point when the spec has none) and args, the env
 *   with the downward API resolved, run as the security context's user and group, with no
 *   capabilities and no new privileges.
 *
 * The images' entry points are the `deno compile` executables of `tools/compile.ts`; here they
 * run from source with `deno run` (the repository at `/app`, Deno's cache at `/deno-dir`, both
 * read-only), as compiling needs a download this machine may not have.
 *
 * @module
 */
import {
  CoreV1Api,
  type KubeConfig,
  type V1Container,
  type V1Pod,
  type V1Probe,
  type V1Service,
  type V1Volume,
} from "@kubernetes/client-node";
import { basename, dirname, join } from "node:path";
import { exists } from "../../src/shared/files.ts";
import { EXECUTABLES } from "../../tools/compile.ts";
import { waitFor } from "./cluster.ts";

const REPOSITORY = new URL("../../", import.meta.url).pathname;
const KEPT_LOG_LINES = 400;

/** A pod spec this kubelet cannot run (a kind of volume or env source it does not implement). */
export class UnsupportedPodError extends Error {
  /** Creates the error. */
  constructor(pod: string, what: string) {
    super(`pod ${pod}: ${what} is not supported by the test kubelet`);
    this.name = "UnsupportedPodError";
  }
}

/** What the kubelet needs. */
export interface KubeletOptions {
  /** The kubelet's own credentials (TokenRequests, Secrets, ConfigMaps); never given to a pod. */
  config: KubeConfig;
  /** The host directory that stands for `path` on the simulated node `node` (hostPath volumes). */
  hostPath: (node: string, path: string) => string;
  /** Hears every output line of every container, prefixed with the pod's name. */
  onLine?: (line: string) => void;
}

/** A Service's cluster IP and port inside the pods, and the Unix socket leading to its backend. */
interface ServiceRoute {
  clusterIP: string;
  port: number;
  socket: string;
  hostnames: string[];
}

/** Runs pods; `stop()` ends every process and removes every namespace and file it made. */
export class Kubelet {
  readonly #routes: ServiceRoute[] = [];
  readonly #helpers: Deno.ChildProcess[] = [];
  readonly #pods: RunningPod[] = [];
  readonly #namespaces: string[] = [];
  readonly #id = crypto.randomUUID().slice(0, 6);
  #nextIp = 10;

  private constructor(readonly options: KubeletOptions, readonly dir: string) {}

  /** Starts the kubelet and the `kubernetes` Service (to the apiserver of `options.config`). */
  static async start(options: KubeletOptions): Promise<Kubelet> {
    const kubelet = new Kubelet(options, await Deno.makeTempDir({ prefix: "dhcpt-kubelet-" }));
    try {
      const server = new URL(options.config.getCurrentCluster()!.server);
      const socket = join(kubelet.dir, "kubernetes.sock");
      kubelet.#spawnHelper(undefined, [
        `UNIX-LISTEN:${socket},fork`,
        `TCP:${server.hostname.replace(/^\[|\]$/g, "")}:${server.port || 443}`,
      ]);
      await waitFor("the apiserver forwarder", () => exists(socket), 10_000);
      const service = await options.config.makeApiClient(CoreV1Api).readNamespacedService({
        namespace: "default",
        name: "kubernetes",
      });
      kubelet.#routes.push({
        clusterIP: service.spec!.clusterIP!,
        port: service.spec!.ports![0].port,
        socket,
        hostnames: ["kubernetes", "kubernetes.default", "kubernetes.default.svc"],
      });
      return kubelet;
    } catch (error) {
      await kubelet.stop();
      throw error;
    }
  }

  /**
   * Makes `service` lead to `backend` in every pod started from now on (kube-proxy), and names it
   * in their `/etc/hosts` (cluster DNS).
   */
  async routeService(service: V1Service, backend: RunningPod): Promise<void> {
    const { name, namespace } = service.metadata!;
    for (const port of service.spec!.ports!) {
      const target = backend.containerPort(port.targetPort ?? port.port);
      const socket = join(this.dir, `svc-${name}-${port.port}.sock`);
      this.#spawnHelper(backend.netns, [
        `UNIX-LISTEN:${socket},fork`,
        `TCP:${backend.ip}:${target}`,
      ]);
      await waitFor(`the forwarder of ${name}:${port.port}`, () => exists(socket), 10_000);
      this.#routes.push({
        clusterIP: service.spec!.clusterIP!,
        port: port.port,
        socket,
        hostnames: [`${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`],
      });
    }
  }

  /** Runs every container of `pod` (already bound to a node). */
  async runPod(pod: V1Pod): Promise<RunningPod> {
    const name = pod.metadata!.name!;
    const node = pod.spec!.nodeName;
    if (!node) throw new UnsupportedPodError(name, "a pod not bound to a node");
    if (pod.spec!.containers.length !== 1) {
      throw new UnsupportedPodError(name, "a pod with other than one container");
    }
    const ip = `10.244.${this.#nextIp >> 8}.${this.#nextIp++ & 0xff}`;
    const netns = `dhcpt-${this.#id}-${this.#namespaces.length}`;
    const podDir = join(this.dir, "pods", name);
    await Deno.mkdir(podDir, { recursive: true });
    await this.#sandbox(netns, ip);
    const container = pod.spec!.containers[0];
    const user = securityIds(pod, container);
    const mounts = await this.#mounts(pod, container, podDir, user);
    const hosts = join(podDir, "hosts");
    await Deno.writeTextFile(hosts, this.#hostsFile(ip, name));
    mounts.push({ source: hosts, target: "/etc/hosts", readOnly: true, file: true });
    const running = new RunningPod(
      pod,
      ip,
      netns,
      join(podDir, "container"),
      this.#env(pod, container),
      mounts,
      user,
      this.options.onLine,
    );
    this.#pods.push(running);
    return running;
  }

  /** Stops every pod and helper and removes the namespaces and files. */
  async stop(): Promise<void> {
    await Promise.all(this.#pods.map((pod) => pod.stop()));
    for (const helper of this.#helpers) {
      try {
        helper.kill("SIGTERM");
      } catch {
        // already gone
      }
      await helper.status;
    }
    for (const netns of this.#namespaces) await run("ip", ["netns", "del", netns]).catch(() => {});
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  /** The pod's network namespace: loopback with the pod IP and every Service's cluster IP. */
  async #sandbox(netns: string, ip: string) {
    await run("ip", ["netns", "add", netns]);
    this.#namespaces.push(netns);
    await run("ip", ["-n", netns, "link", "set", "lo", "up"]);
    const addresses = new Set([ip, ...this.#routes.map((route) => route.clusterIP)]);
    for (const address of addresses) {
      await run("ip", ["-n", netns, "addr", "add", `${address}/32`, "dev", "lo"]);
    }
    for (const route of this.#routes) {
      this.#spawnHelper(netns, [
        `TCP-LISTEN:${route.port},bind=${route.clusterIP},fork,reuseaddr`,
        `UNIX-CONNECT:${route.socket}`,
      ]);
    }
    for (const route of this.#routes) {
      await waitFor(
        `${route.clusterIP}:${route.port} in ${netns}`,
        async () =>
          (await run("ip", ["netns", "exec", netns, "ss", "-Hltn", `sport = :${route.port}`]))
            .includes(route.clusterIP),
        10_000,
      );
    }
  }

  #hostsFile(ip: string, podName: string): string {
    const lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost", `${ip} ${podName}`];
    for (const route of this.#routes) lines.push(`${route.clusterIP} ${route.hostnames.join(" ")}`);
    return lines.join("\n") + "\n";
  }

  /** The container's environment: its env (downward API resolved) and the Service variables. */
  #env(pod: V1Pod, container: V1Container): Record<string, string> {
    const kubernetes = this.#routes[0];
    const env: Record<string, string> = {
      // The images' own environment (distroless).
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      KUBERNETES_SERVICE_HOST: kubernetes.clusterIP,
      KUBERNETES_SERVICE_PORT: String(kubernetes.port),
      // The runtime of `deno run`, which stands in for the compiled executable.
      DENO_DIR: "/deno-dir",
    };
    for (const variable of container.env ?? []) {
      if (variable.value !== undefined) {
        env[variable.name] = variable.value;
      } else if (variable.valueFrom?.fieldRef) {
        env[variable.name] = podField(pod, variable.valueFrom.fieldRef.fieldPath);
      } else {
        throw new UnsupportedPodError(pod.metadata!.name!, `env ${variable.name}'s source`);
      }
    }
    return env;
  }

  /** Materializes each volume the container mounts; returns where each goes. */
  async #mounts(
    pod: V1Pod,
    container: V1Container,
    podDir: string,
    user: RunAs,
  ): Promise<Mount[]> {
    const mounts: Mount[] = [];
    for (const mount of container.volumeMounts ?? []) {
      const volume = pod.spec!.volumes?.find((candidate) => candidate.name === mount.name);
      if (!volume) throw new UnsupportedPodError(pod.metadata!.name!, `volume ${mount.name}`);
      const source = await this.#volume(pod, volume, join(podDir, "volumes", volume.name), user);
      // Secret, ConfigMap, downward API and projected volumes are always read-only.
      const alwaysReadOnly = Boolean(volume.secret || volume.projected);
      mounts.push({
        source,
        target: mount.mountPath,
        readOnly: alwaysReadOnly || mount.readOnly === true,
      });
    }
    return mounts;
  }

  async #volume(
    pod: V1Pod,
    volume: V1Volume,
    dir: string,
    user: RunAs,
  ): Promise<string> {
    const podName = pod.metadata!.name!;
    if (volume.hostPath) return this.options.hostPath(pod.spec!.nodeName!, volume.hostPath.path);
    await Deno.mkdir(dir, { recursive: true });
    const core = this.options.config.makeApiClient(CoreV1Api);
    const namespace = pod.metadata!.namespace!;
    if (volume.emptyDir) {
      await Deno.chmod(dir, 0o777);
      return dir;
    }
    if (volume.secret) {
      const secret = await core.readNamespacedSecret({
        namespace,
        name: volume.secret.secretName!,
      });
      const data = secret.data ?? {};
      const items = volume.secret.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const item of items) {
        await writeFile(join(dir, item.path), decodeBase64(data[item.key]), 0o644);
      }
      return dir;
    }
    if (volume.projected) {
      for (const source of volume.projected.sources ?? []) {
        if (source.serviceAccountToken) {
          const request = await core.createNamespacedServiceAccountToken({
            namespace,
            name: pod.spec!.serviceAccountName!,
            body: {
              spec: {
                audiences: source.serviceAccountToken.audience
                  ? [source.serviceAccountToken.audience]
                  : [],
                expirationSeconds: source.serviceAccountToken.expirationSeconds ?? 3600,
                boundObjectRef: {
                  apiVersion: "v1",
                  kind: "Pod",
                  name: podName,
                  uid: pod.metadata!.uid,
                },
              },
            },
          });
          const file = join(dir, source.serviceAccountToken.path);
          // As the kubelet does: readable only by the pod's user.
          await writeFile(file, new TextEncoder().encode(request.status!.token!), 0o600);
          await Deno.chown(file, user.uid, user.gid);
        } else if (source.configMap) {
          const map = await core.readNamespacedConfigMap({
            namespace,
            name: source.configMap.name!,
          });
          const data = map.data ?? {};
          const items = source.configMap.items ??
            Object.keys(data).map((key) => ({ key, path: key }));
          for (const item of items) {
            await writeFile(join(dir, item.path), new TextEncoder().encode(data[item.key]), 0o644);
          }
        } else if (source.downwardAPI) {
          for (const item of source.downwardAPI.items ?? []) {
            if (!item.fieldRef) throw new UnsupportedPodError(podName, `${item.path}'s source`);
            const value = podField(pod, item.fieldRef.fieldPath);
            await writeFile(join(dir, item.path), new TextEncoder().encode(value), 0o644);
          }
        } else {
          throw new UnsupportedPodError(podName, `a projected source of volume ${volume.name}`);
        }
      }
      return dir;
    }
    throw new UnsupportedPodError(podName, `the kind of volume ${volume.name}`);
  }

  #spawnHelper(netns: string | undefined, socatArgs: string[]) {
    const command = netns ? ["ip", "netns", "exec", netns, "socat", ...socatArgs] : [
      "socat",
      ...socatArgs,
    ];
    this.#helpers.push(
      new Deno.Command(command[0], {
        args: command.slice(1),
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn(),
    );
  }
}

/** A bind mount of the container. */
interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
  /** A single file (else a directory). */
  file?: boolean;
}

/** A pod whose container runs. */
export class RunningPod {
  readonly #child: Deno.ChildProcess;
  readonly #lines: string[] = [];
  readonly #done: Promise<Deno.CommandStatus>;
  readonly #pumps: Promise<void>[];
  readonly #container: V1Container;

  /** Starts the container (not waiting for anything). */
  constructor(
    readonly pod: V1Pod,
    readonly ip: string,
    readonly netns: string,
    /** Where the container's root is built, inside its private mount namespace. */
    readonly rootDir: string,
    env: Record<string, string>,
    mounts: Mount[],
    user: RunAs,
    onLine?: (line: string) => void,
  ) {
    this.#container = pod.spec!.containers[0];
    const command = [...imageCommand(this.#container), ...(this.#container.args ?? [])];
    const readOnlyRoot = this.#container.securityContext?.readOnlyRootFilesystem === true;
    const script = containerScript({
      rootDir,
      mounts,
      readOnlyRoot,
      user,
      env,
      command,
    });
    Deno.mkdirSync(rootDir, { recursive: true });
    this.#child = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        netns,
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
      ],
      clearEnv: true,
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const prefix = (line: string) => onLine?.(`${this.name} | ${line}`);
    this.#pumps = [this.#child.stdout, this.#child.stderr].map((stream) =>
      this.#pump(stream, prefix)
    );
    this.#done = this.#child.status;
  }

  /** The pod's name. */
  get name(): string {
    return this.pod.metadata!.name!;
  }

  /** The last lines the container printed. */
  get output(): string {
    return this.#lines.join("\n");
  }

  /** The container port that a Service's `targetPort` (number or port name) means. */
  containerPort(target: number | string): number {
    if (typeof target === "number") return target;
    const port = this.#container.ports?.find((candidate) => candidate.name === target);
    if (!port) throw new Error(`${this.name} has no container port named ${target}`);
    return port.containerPort;
  }

  /**
   * Runs the container's readiness or liveness probe once, as the kubelet does (HTTP GET on the
   * pod IP); returns the HTTP status, or 0 when nothing answered.
   */
  async probe(kind: "readiness" | "liveness"): Promise<number> {
    const probe: V1Probe | undefined = kind === "readiness"
      ? this.#container.readinessProbe
      : this.#container.livenessProbe;
    const get = probe?.httpGet;
    if (!get) throw new Error(`${this.name} has no HTTP ${kind} probe`);
    const port = this.containerPort(get.port);
    const url = `${(get.scheme ?? "HTTP").toLowerCase()}://${this.ip}:${port}${get.path ?? "/"}`;
    const result = await new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        this.netns,
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--max-time",
        "5",
        url,
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    return Number(new TextDecoder().decode(result.stdout)) || 0;
  }

  /** Polls the probe until it answers 200; throws with the container's output otherwise. */
  async waitReady(kind: "readiness" | "liveness", timeoutMs: number): Promise<void> {
    let exited = false;
    this.#done.then(() => exited = true);
    let last = 0;
    await waitFor(
      `${this.name}'s ${kind} probe to answer 200`,
      async () => exited || (last = await this.probe(kind)) === 200,
      timeoutMs,
    ).catch((error) => {
      throw new Error(`${error} (last answer: ${last})\n${this.output}`);
    });
    if (exited) throw new Error(`${this.name} exited before its ${kind} probe passed`);
  }

  /** The mount options of the container's root filesystem, as the kernel reports them. */
  async rootMountOptions(): Promise<string[]> {
    const mountinfo = await Deno.readTextFile(`/proc/${this.#child.pid}/mountinfo`);
    const root = mountinfo.split("\n").map((line) => line.split(" "))
      .filter((fields) => fields[4] === "/").at(-1);
    if (!root) throw new Error(`${this.name}: no root mount in its mountinfo`);
    return root[5].split(",");
  }

  /** Files (not directories) in the upper layer of the container's root: what it wrote there. */
  async filesWrittenToRoot(): Promise<string[]> {
    const found = await run("nsenter", [
      "--target",
      String(this.#child.pid),
      "--mount",
      "find",
      join(this.rootDir, "upper"),
      "-not",
      "-type",
      "d",
    ]);
    return found.split("\n").filter(Boolean);
  }

  /** Stops the container with SIGTERM (SIGKILL after 10 s) and waits. */
  async stop(): Promise<Deno.CommandStatus> {
    this.#signal("SIGTERM");
    const timer = setTimeout(() => this.#signal("SIGKILL"), 10_000);
    try {
      const status = await this.#done;
      await Promise.all(this.#pumps);
      return status;
    } finally {
      clearTimeout(timer);
    }
  }

  #signal(signal: Deno.Signal) {
    try {
      this.#child.kill(signal);
    } catch {
      // already gone
    }
  }

  async #pump(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) this.#keep(line, onLine);
    }
    if (rest) this.#keep(rest, onLine);
  }

  #keep(line: string, onLine: (line: string) => void) {
    this.#lines.push(line);
    if (this.#lines.length > KEPT_LOG_LINES) this.#lines.shift();
    onLine(line);
  }
}

/** What {@link containerScript} builds. */
interface ContainerScriptOptions {
  rootDir: string;
  mounts: Mount[];
  readOnlyRoot: boolean;
  user: RunAs;
  env: Record<string, string>;
  command: string[];
}

/**
 * The shell script that, in a fresh private mount namespace, builds the container's root (an
 * overlay of the host's root with its upper layer in a tmpfs), binds the volumes, makes the root
 * read-only when asked, and becomes the container's process.
 */
function containerScript(options: ContainerScriptOptions): string {
  const root = `${options.rootDir}/root`;
  // Paths inside the container resolve symlinks inside it (the lower layer is the host's root).
  const at = (path: string) => quote(`${root}${resolveInRoot(path)}`);
  const lines = [
    "set -eu",
    `mount -t tmpfs -o mode=0755 tmpfs ${quote(options.rootDir)}`,
    `mkdir ${quote(`${options.rootDir}/upper`)} ${quote(`${options.rootDir}/work`)} ${quote(root)}`,
    `mount -t overlay overlay -o ${
      quote(`lowerdir=/,upperdir=${options.rootDir}/upper,workdir=${options.rootDir}/work`)
    } ${quote(root)}`,
    `mount --rbind /dev ${at("/dev")}`,
    `mount -t proc proc ${at("/proc")}`,
    `mount --rbind /sys ${at("/sys")}`,
  ];
  const runtime: Mount[] = [
    { source: REPOSITORY, target: "/app", readOnly: true },
    { source: denoDir(), target: "/deno-dir", readOnly: true },
    { source: dirname(Deno.execPath()), target: "/deno-bin", readOnly: true },
  ];
  for (const mount of [...runtime, ...options.mounts]) {
    lines.push(
      mount.file
        ? `[ -e ${at(mount.target)} ] || { mkdir -p ${
          quote(dirname(`${root}${resolveInRoot(mount.target)}`))
        } && touch ${at(mount.target)}; }`
        : `mkdir -p ${at(mount.target)}`,
      `mount --bind ${quote(mount.source)} ${at(mount.target)}`,
    );
    if (mount.readOnly) lines.push(`mount -o remount,bind,ro ${at(mount.target)}`);
  }
  if (options.readOnlyRoot) lines.push(`mount -o remount,bind,ro ${quote(root)}`);
  const env = Object.entries(options.env).map(([key, value]) => quote(`${key}=${value}`));
  lines.push(
    [
      "exec chroot",
      quote(root),
      "setpriv",
      `--reuid=${options.user.uid}`,
      `--regid=${options.user.gid}`,
      options.user.groups.length ? `--groups=${options.user.groups.join(",")}` : "--clear-groups",
      "--no-new-privs",
      "--bounding-set=-all",
      "--inh-caps=-all",
      "env -i",
      ...env,
      ...options.command.map(quote),
    ].join(" "),
  );
  return lines.join("\n");
}

/**
 * The command of the container: its `command`, or else its image's entry point — the executable
 * of `tools/compile.ts` whose name the image carries (`<repository>-agent` runs
 * `dhcp-template-agent`), run from source.
 */
function imageCommand(container: V1Container): string[] {
  if (container.command?.length) return container.command;
  const image = basename(container.image!.split("@")[0].replace(/:[^:/]+$/, ""));
  const executable = EXECUTABLES.find((candidate) =>
    image.endsWith(basename(candidate.output).replace(/^dhcp-template/, ""))
  );
  if (!executable) throw new Error(`no executable of ours is the entry point of image ${image}`);
  return [
    `/deno-bin/${basename(Deno.execPath())}`,
    "run",
    "--allow-all",
    "--cached-only",
    `/app/${executable.entry}`,
  ];
}

/** The user and groups the container runs as (container security context over the pod's). */
function securityIds(pod: V1Pod, container: V1Container): RunAs {
  const uid = container.securityContext?.runAsUser ?? pod.spec!.securityContext?.runAsUser;
  const gid = container.securityContext?.runAsGroup ?? pod.spec!.securityContext?.runAsGroup;
  if (uid === undefined || gid === undefined) {
    throw new UnsupportedPodError(pod.metadata!.name!, "a container without runAsUser/runAsGroup");
  }
  const { supplementalGroups = [], fsGroup } = pod.spec!.securityContext ?? {};
  const groups = [...supplementalGroups, ...(fsGroup === undefined ? [] : [fsGroup])];
  return { uid, gid, groups };
}

/** Who a container runs as. */
interface RunAs {
  uid: number;
  gid: number;
  /** Supplemental groups (the pod's `supplementalGroups` and `fsGroup`). */
  groups: number[];
}

/**
 * `path` with every symlink on the way resolved as it would be inside a root that is the host's
 * root (`/var/run/secrets` → `/run/secrets`), so that mount points are made inside the container
 * and never on the host through an absolute symlink.
 */
export function resolveInRoot(path: string, hops = 0): string {
  if (hops > 40) throw new Error(`too many symlinks resolving ${path}`);
  const parts = path.split("/").filter(Boolean);
  let resolved = "";
  for (const [index, part] of parts.entries()) {
    const candidate = `${resolved}/${part}`;
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(candidate);
    } catch {
      return [candidate, ...parts.slice(index + 1)].join("/");
    }
    if (info.isSymlink) {
      const target = Deno.readLinkSync(candidate);
      const rest = parts.slice(index + 1).join("/");
      const next = target.startsWith("/") ? target : `${resolved}/${target}`;
      return resolveInRoot(`${next}/${rest}`, hops + 1);
    }
    resolved = candidate;
  }
  return resolved || "/";
}

/** A downward API field of the pod. */
function podField(pod: V1Pod, path: string): string {
  const value = ({
    "metadata.name": pod.metadata?.name,
    "metadata.namespace": pod.metadata?.namespace,
    "metadata.uid": pod.metadata?.uid,
    "spec.nodeName": pod.spec?.nodeName,
    "spec.serviceAccountName": pod.spec?.serviceAccountName,
  } as Record<string, string | undefined>)[path];
  if (value === undefined) throw new UnsupportedPodError(pod.metadata!.name!, `field ${path}`);
  return value;
}

function denoDir(): string {
  return Deno.env.get("DENO_DIR") ??
    join(Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? "/root", ".cache"), "deno");
}

async function writeFile(path: string, data: Uint8Array, mode: number) {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeFile(path, data, { mode });
  await Deno.chmod(path, mode);
}

function decodeBase64(text: string | undefined): Uint8Array {
  return Uint8Array.from(atob(text ?? ""), (char) => char.charCodeAt(0));
}

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

async function run(command: string, args: string[]): Promise<string> {
  const result = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!result.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${new TextDecoder().decode(result.stderr)}`,
    );
  }
  return new TextDecoder().decode(result.stdout);
}
