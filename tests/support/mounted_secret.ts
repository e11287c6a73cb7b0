/**
 * A directory laid out as the kubelet mounts a Secret or a projected volume: each file is a
 * symlink through `..data` to a timestamped directory, and an update writes a new directory and
 * swaps `..data` atomically (a symlink renamed over the old one), then removes the old directory.
 *
 * @module
 */

/** A kubelet-style mounted volume of text files. */
export interface MountedSecret {
  /** The path a container reads `name` at (`<dir>/<name>`, a symlink through `..data`). */
  path(name: string): string;
  /** Replaces every file at once, as the kubelet does when the Secret changes. */
  update(files: Record<string, string>): Promise<void>;
  /** Removes the directory. */
  remove(): Promise<void>;
}

/** Creates the volume with `files`. */
export async function createMountedSecret(files: Record<string, string>): Promise<MountedSecret> {
  const dir = await Deno.makeTempDir({ prefix: "dhcpt-secret-" });
  let generation = 0;
  let current: string | undefined;
  const update = async (next: Record<string, string>) => {
    const version = `..${new Date().toISOString().replace(/[-:.]/g, "_")}.${generation++}`;
    await Deno.mkdir(`${dir}/${version}`);
    for (const [name, text] of Object.entries(next)) {
      await Deno.writeTextFile(`${dir}/${version}/${name}`, text);
    }
    await Deno.symlink(version, `${dir}/..data_tmp`);
    await Deno.rename(`${dir}/..data_tmp`, `${dir}/..data`);
    for (const name of Object.keys(next)) {
      await Deno.symlink(`..data/${name}`, `${dir}/${name}`).catch((error) => {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      });
    }
    if (current) await Deno.remove(`${dir}/${current}`, { recursive: true });
    current = version;
  };
  await update(files);
  return {
    path: (name) => `${dir}/${name}`,
    update,
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}
