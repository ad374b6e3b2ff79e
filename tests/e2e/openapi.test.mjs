// docs/openapi.yaml documents exactly the routes the Worker serves: no more, no fewer. The routes
// come from three places in the code: a practice's route table (edge/src/routes/mod.rs), the
// directory's operator routes (edge/src/directory/mod.rs) and the routes the stateless Worker
// answers itself (edge/src/front/destination.rs). Needs no Worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url);
const read = (path) => readFileSync(new URL(path, root), "utf8");
const spec = parse(read("docs/openapi.yaml"));

/** The text of `source` from `start` to `end` (both must be found: a renamed function fails). */
function section(source, start, end, file) {
  const from = source.indexOf(start);
  const to = source.indexOf(end, from);
  assert.ok(from >= 0 && to > from, `${file}: "${start}" … "${end}" not found; update this test`);
  return source.slice(from, to);
}

/**
 * The paths of one slice pattern, e.g. `"api", "v1", "x", id, action @ ("a" | "b")`: a string
 * literal is itself, a binding or `_` is `{}`, an alternation of literals gives one path each.
 * `null` for a pattern ending in `..` (a prefix, not a route).
 */
function pathsOf(pattern) {
  const segs = pattern.split(",").map((s) => s.trim()).filter(Boolean);
  if (segs.includes("..")) return null;
  let paths = [""];
  for (const seg of segs) {
    const literals = [...seg.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    const options = literals.length ? literals : ["{}"];
    paths = paths.flatMap((p) => options.map((o) => `${p}/${o}`));
  }
  return paths;
}

/** "GET /api/v1/x/{}" for every `(Method::…, [segments]) =>` arm in `body`. */
function methodArms(body) {
  const out = new Set();
  for (const m of body.matchAll(/\(\s*((?:Method::\w+\s*\|?\s*)+),\s*\[([^\]]*)\],?\s*\)\s*=>/g)) {
    const methods = m[1].split("|").map((s) => s.trim().replace("Method::", "").toUpperCase()).filter(Boolean);
    for (const path of pathsOf(m[2]) ?? []) {
      for (const method of methods) out.add(`${method} ${path}`);
    }
  }
  return out;
}

/** A practice's routes: the arms of the route table in edge/src/routes/mod.rs. */
function practiceRoutes() {
  const file = "edge/src/routes/mod.rs";
  return methodArms(section(read(file), "match (method, segments.as_slice())", "fn known_path", file));
}

/** The operator API: the directory's `route` arms whose path starts with "api" (not /internal). */
function operatorRoutes() {
  const file = "edge/src/directory/mod.rs";
  const body = section(read(file), "async fn route(", "async fn create(", file);
  return new Set([...methodArms(body)].filter((r) => r.split(" ")[1].startsWith("/api/")));
}

/**
 * Routes the stateless Worker answers itself. `destination::of` matches on the path only; the
 * arms that reach a practice are checked above, so every other exact path found there must be
 * listed here with its methods (a new Worker-only route fails this test until it is).
 */
const WORKER_ONLY = {
  // Answered from the directory's memberships (`destination::staff_practices`, any method).
  "/api/v1/staff/practices": ["GET"],
  // SendGrid's Event Webhook, verified and split by practice in the Worker (`provider_events`).
  "/api/v1/providers/sendgrid/events": ["POST"],
};

function workerRoutes(practicePaths) {
  const file = "edge/src/front/destination.rs";
  const body = section(read(file), "match segments.as_slice()", "fn legacy_or", file);
  const covered = (pattern) => [...practicePaths].some((path) => {
    const a = pattern.split("/");
    const b = path.split("/");
    return a.length === b.length && a.every((seg, i) => seg === "{}" || seg === b[i]);
  });
  const out = new Set();
  for (const m of body.matchAll(/\[([^\]]*)\]/g)) {
    for (const path of pathsOf(m[1]) ?? []) {
      if (covered(path)) continue;
      assert.ok(WORKER_ONLY[path], `${file} answers ${path} itself: list it in WORKER_ONLY and document it`);
      for (const method of WORKER_ONLY[path]) out.add(`${method} ${path}`);
    }
  }
  return out;
}

function routesInCode() {
  const practice = practiceRoutes();
  const operator = operatorRoutes();
  const practicePaths = new Set([...practice].map((r) => r.split(" ")[1]));
  const worker = workerRoutes(practicePaths);
  assert.ok(practice.size >= 40, `the practice route table parsed (${practice.size} routes)`);
  assert.equal(operator.size, 6, `the operator routes parsed (${[...operator].join(", ")})`);
  assert.ok(worker.has("GET /api/v1/staff/practices"), "the Worker's own routes parsed");
  return new Set([...practice, ...operator, ...worker]);
}

const METHODS = ["get", "put", "post", "delete", "head", "patch"];

function routesInSpec() {
  const out = new Set();
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const method of Object.keys(ops)) {
      if (METHODS.includes(method)) {
        out.add(`${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, "{}")}`);
      }
    }
  }
  return out;
}

test("the OpenAPI file lists every route of the Worker and nothing else", () => {
  const code = routesInCode();
  const documented = routesInSpec();
  assert.deepEqual([...code].filter((r) => !documented.has(r)).sort(), [], "routes missing from docs/openapi.yaml");
  assert.deepEqual([...documented].filter((r) => !code.has(r)).sort(), [], "documented routes the Worker does not serve");
});

test("every documented error code exists in the shared error list", () => {
  const errorRs = read("shared/src/error.rs");
  const variants = [...errorRs.slice(0, errorRs.indexOf("impl ErrorCode")).matchAll(/^\s{4}([A-Z]\w+),$/gm)]
    .map((m) => m[1].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase());
  assert.deepEqual([...spec.components.schemas.ApiError.properties.code.enum].sort(), variants.sort());
});

/** Every [path, value] in the document. */
function* walk(value, path = "#") {
  yield [path, value];
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) yield* walk(v, `${path}/${k}`);
  }
}

const resolve = (ref) => ref.slice(2).split("/").reduce((node, key) => node?.[key.replaceAll("~1", "/").replaceAll("~0", "~")], spec);

test("the OpenAPI file is well formed: no stray keys, every $ref resolves, every path parameter is declared", () => {
  assert.equal(spec.openapi, "3.1.0");
  for (const [path, value] of walk(spec)) {
    // An unquoted `{ description: a, b }` parses as a key "b" with no value.
    assert.notEqual(value, null, `${path} is empty (an unquoted ", " or ": " in a flow mapping?)`);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      assert.ok(!Object.keys(value).includes(""), `${path} has an empty key`);
      if ("$ref" in value) assert.ok(resolve(value.$ref) !== undefined, `${path}: ${value.$ref} does not resolve`);
    }
  }
  const schemes = Object.keys(spec.components.securitySchemes);
  for (const [path, item] of Object.entries(spec.paths)) {
    const params = (list) => (list ?? []).map((p) => (p.$ref ? resolve(p.$ref) : p));
    for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
      const op = item[method];
      assert.ok(op.summary && op.responses, `${method} ${path} has a summary and responses`);
      const declared = [...params(item.parameters), ...params(op.parameters)]
        .filter((p) => p.in === "path").map((p) => p.name);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      assert.deepEqual(declared.sort(), templated.sort(), `${method} ${path}: path parameters`);
      for (const requirement of op.security ?? []) {
        for (const name of Object.keys(requirement)) assert.ok(schemes.includes(name), `${method} ${path}: ${name}`);
      }
      // Clinic routes take the staff member's practice header; operator routes the operator key only.
      const headers = [...params(item.parameters), ...params(op.parameters)].filter((p) => p.in === "header").map((p) => p.name);
      if (path.startsWith("/api/v1/clinic/")) assert.ok(headers.includes("sealpost-practice"), `${method} ${path}: sealpost-practice`);
      if (path.startsWith("/api/v1/operator/")) assert.deepEqual(op.security, [{ operatorKey: [] }], `${method} ${path}: operator key`);
    }
  }
});
