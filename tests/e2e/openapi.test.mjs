// docs/openapi.yaml documents exactly the routes the Worker serves: no more, no fewer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url);
const spec = parse(readFileSync(new URL("docs/openapi.yaml", root), "utf8"));
const table = readFileSync(new URL("edge/src/routes/mod.rs", root), "utf8");

/** "GET /api/v1/x/{}" for every arm of the route table in edge/src/routes/mod.rs. */
function routesInCode() {
  const out = new Set();
  const body = table.slice(table.indexOf("match (method, segments.as_slice())"), table.indexOf("fn known_path"));
  for (const m of body.matchAll(/\(\s*((?:Method::\w+\s*\|?\s*)+),\s*\[([^\]]*)\],?\s*\)\s*=>/g)) {
    const methods = m[1].split("|").map((s) => s.trim().replace("Method::", "").toUpperCase()).filter(Boolean);
    const segs = m[2].split(",").map((s) => s.trim()).filter(Boolean);
    if (segs.includes("..")) continue;
    const path = "/" + segs.map((s) => (s.startsWith('"') ? s.slice(1, -1) : "{}")).join("/");
    for (const method of methods) out.add(`${method} ${path}`);
  }
  return out;
}

function routesInSpec() {
  const out = new Set();
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const method of Object.keys(ops)) {
      if (["get", "put", "post", "delete", "head", "patch"].includes(method)) {
        out.add(`${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, "{}")}`);
      }
    }
  }
  return out;
}

test("the OpenAPI file lists every route of the Worker and nothing else", () => {
  const code = routesInCode();
  const documented = routesInSpec();
  assert.ok(code.size >= 20, `the route table parsed (${code.size} routes)`);
  assert.deepEqual([...code].filter((r) => !documented.has(r)).sort(), [], "routes missing from docs/openapi.yaml");
  assert.deepEqual([...documented].filter((r) => !code.has(r)).sort(), [], "documented routes the Worker does not serve");
});

test("every documented error code exists in the shared error list", () => {
  const errorRs = readFileSync(new URL("shared/src/error.rs", root), "utf8");
  const variants = [...errorRs.slice(0, errorRs.indexOf("impl ErrorCode")).matchAll(/^\s{4}([A-Z]\w+),$/gm)]
    .map((m) => m[1].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase());
  assert.deepEqual([...spec.components.schemas.ApiError.properties.code.enum].sort(), variants.sort());
});
