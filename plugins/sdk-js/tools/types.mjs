// The TypeScript types of the contract, generated from the WIT by jco's
// type generator (the bindgen component jco itself runs), into ../types.
//
//   node tools/types.mjs NODE_MODULES            writes ../types
//   node tools/types.mjs --check NODE_MODULES    fails if ../types is stale
//
// NODE_MODULES holds `npm ci`'s install of ../package.json (the tests keep
// one in target/toolchains/js/node_modules). The WIT is read as text and
// handed over whole, so nothing depends on what the generator may read.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const check = args[0] === "--check";
const modules = args[check ? 1 : 0];
if (!modules) {
  console.error("usage: node tools/types.mjs [--check] NODE_MODULES");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..", "..");
const out = join(here, "..", "types");
const bindgen = join(modules, "@bytecodealliance/jco-transpile/vendor/js-component-bindgen-component.js");
const { $init, generateTypes } = await import(pathToFileURL(bindgen).href);
await $init;
const source = await readFile(join(repo, "wit/v0.2.0/vitrina.wit"), "utf8");
const files = generateTypes("collector", {
  wit: { tag: "source", val: source },
  world: "collector",
  guest: true,
  features: { tag: "list", val: [] },
  tlaCompat: false,
});
let stale = [];
for (const [name, bytes] of files) {
  const path = join(out, name);
  const text = new TextDecoder().decode(bytes);
  if (check) {
    const current = await readFile(path, "utf8").catch(() => "");
    if (current !== text) stale.push(name);
  } else {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    console.log(`wrote types/${name}`);
  }
}
if (stale.length > 0) {
  console.error(`types/ differs from wit/v0.2.0 in ${stale.join(", ")}: run node plugins/sdk-js/tools/types.mjs NODE_MODULES`);
  process.exit(1);
}
