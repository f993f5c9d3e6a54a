/**
 * Licences of what `npm install trackprobe` brings in (the production tree, as npm itself lists
 * it): every package's SPDX licence must be on the allow-list (GPL and AGPL are not; the LGPL
 * packages are, used unmodified as separate packages), and the README's licence table must name
 * each direct dependency and each copyleft package with the licence it really has.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

const ROOT = join(import.meta.dirname, "..");

/** Licences a runtime dependency may have. */
const PERMISSIVE = ["MIT", "ISC", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "0BSD", "Unlicense", "CC0-1.0", "WTFPL", "BlueOak-1.0.0", "Zlib", "Python-2.0"];
/** Weak copyleft: allowed for packages used as they are, and each must be listed in the README. */
const WEAK_COPYLEFT = ["LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "MPL-2.0"];
const ALLOWED = new Set([...PERMISSIVE, ...WEAK_COPYLEFT]);

/**
 * Whether an SPDX expression is acceptable: `A OR B` when either is, `A AND B` when both are,
 * `A WITH exception` when A is. Anything unknown (GPL-3.0-only, AGPL-3.0-or-later, UNLICENSED,
 * a missing field) is not.
 */
function spdxAllowed(expression: string, allowed: (id: string) => boolean): boolean {
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  const any = (): boolean => {
    let ok = all();
    while (tokens[i] === "OR") {
      i++;
      ok = all() || ok;
    }
    return ok;
  };
  const all = (): boolean => {
    let ok = one();
    while (tokens[i] === "AND") {
      i++;
      ok = one() && ok;
    }
    return ok;
  };
  const one = (): boolean => {
    const t = tokens[i++];
    if (t === "(") {
      const ok = any();
      if (tokens[i++] !== ")") throw new Error(`unbalanced SPDX expression: ${expression}`);
      return ok;
    }
    if (tokens[i] === "WITH") i += 2;
    return t !== undefined && allowed(t);
  };
  const ok = any();
  if (i !== tokens.length) throw new Error(`cannot parse the SPDX expression: ${expression}`);
  return ok;
}

interface Pkg {
  name: string;
  version: string;
  license: string;
}

function productionTree(): Pkg[] {
  const r = spawnSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], { cwd: ROOT, encoding: "utf8" });
  assert.ok(r.stdout, `npm ls gave nothing: ${r.stderr}`);
  const dirs = [...new Set(r.stdout.trim().split("\n"))].filter((d) => d !== ROOT);
  return dirs.map((d) => {
    const j = JSON.parse(readFileSync(join(d, "package.json"), "utf8")) as { name: string; version: string; license?: unknown; licenses?: { type: string }[] };
    const license = typeof j.license === "string" ? j.license : j.licenses ? j.licenses.map((l) => l.type).join(" OR ") : "(none)";
    return { name: j.name, version: j.version, license };
  });
}

describe("licences", () => {
  it("the SPDX check: OR, AND, WITH, parentheses", () => {
    const ok = (id: string) => ALLOWED.has(id);
    assert.equal(spdxAllowed("MIT", ok), true);
    assert.equal(spdxAllowed("(MIT OR WTFPL)", ok), true);
    assert.equal(spdxAllowed("(BSD-2-Clause OR MIT OR Apache-2.0)", ok), true);
    assert.equal(spdxAllowed("GPL-3.0-or-later", ok), false);
    assert.equal(spdxAllowed("AGPL-3.0-only", ok), false);
    assert.equal(spdxAllowed("GPL-2.0-only OR MIT", ok), true);
    assert.equal(spdxAllowed("MIT AND GPL-2.0-or-later", ok), false);
    assert.equal(spdxAllowed("(MIT AND (GPL-2.0-only OR ISC))", ok), true);
    assert.equal(spdxAllowed("GPL-2.0-only WITH Classpath-exception-2.0", ok), false);
    assert.equal(spdxAllowed("(none)", ok), false);
  });

  const tree = productionTree();

  it("no runtime dependency is GPL or AGPL (or of an unknown licence)", () => {
    assert.ok(tree.length > 10, "the production tree was listed");
    const bad = tree.filter((p) => !spdxAllowed(p.license, (id) => ALLOWED.has(id)));
    assert.deepEqual(bad, [], "runtime dependencies outside the licence allow-list");
  });

  it("the README's licence table names each direct dependency and each copyleft package with its real licence", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Licences"));
    assert.ok(readme.includes("## Licences"), "README has a Licences section");
    const rows = new Map<string, string>();
    for (const m of section.matchAll(/^\| `([^`]+)` \| `([^`]+)` \|/gm)) rows.set(m[1], m[2]);
    const direct = Object.keys((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies);
    const copyleft = tree.filter((p) => !spdxAllowed(p.license, (id) => PERMISSIVE.includes(id))).map((p) => p.name);
    for (const name of new Set([...direct, ...copyleft])) {
      const pkg = tree.find((p) => p.name === name);
      assert.ok(pkg, `${name} is installed`);
      assert.equal(rows.get(name), pkg.license, `README row for ${name}`);
    }
  });
});
