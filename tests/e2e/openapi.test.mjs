// docs/openapi.yaml documents exactly the routes the Worker serves: no more, no fewer. The routes
// come from three places in the code: a practice's route table (edge/src/routes/mod.rs), the
// directory's operator routes (edge/src/directory/mod.rs) and the routes the stateless Worker
// answers itself (edge/src/front/destination.rs). Needs no Worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { Validator } from "@seriousme/openapi-schema-validator";
import SwaggerParser from "@apidevtools/swagger-parser";

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
  const code = spec.components.schemas.ApiError.properties.code;
  assert.equal(code.$ref, "#/components/schemas/ErrorCode");
  const documented = spec.components.schemas.ErrorCode.oneOf.map((v) => v.const);
  assert.deepEqual(documented.sort(), variants.sort());
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
    // (`default: null`, `const: null` and nulls inside a default value are JSON Schema saying
    // null.)
    if (!/\/(default|const)(\/|$)/.test(path)) {
      assert.notEqual(value, null, `${path} is empty (an unquoted ", " or ": " in a flow mapping?)`);
    }
    if (value && typeof value === "object" && !Array.isArray(value)) {
      assert.ok(!Object.keys(value).includes(""), `${path} has an empty key`);
      if ("$ref" in value) assert.ok(resolve(value.$ref) !== undefined, `${path}: ${value.$ref} does not resolve`);
    }
  }
  const schemes = Object.keys(spec.components.securitySchemes);
  const operationIds = new Set();
  for (const [path, item] of Object.entries(spec.paths)) {
    const params = (list) => (list ?? []).map((p) => (p.$ref ? resolve(p.$ref) : p));
    for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
      const op = item[method];
      assert.ok(op.summary && op.responses, `${method} ${path} has a summary and responses`);
      // Generated clients name their functions after it (tests/e2e/generated_client.test.mjs).
      assert.match(op.operationId ?? "", /^[a-z][A-Za-z]+$/, `${method} ${path} has an operationId`);
      assert.ok(!operationIds.has(op.operationId), `${method} ${path}: operationId ${op.operationId} is used twice`);
      operationIds.add(op.operationId);
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

test("the OpenAPI file is valid OpenAPI 3.1 to two standard validators", async () => {
  const result = await new Validator().validate(structuredClone(spec));
  assert.ok(result.valid, `@seriousme/openapi-schema-validator: ${JSON.stringify(result.errors, null, 2)}`);
  // swagger-parser also resolves every $ref and checks path parameters against the paths.
  await SwaggerParser.validate(structuredClone(spec));
});

/** The media types of a request body or response, after following a `$ref`. */
const contentOf = (node) => (node?.$ref ? resolve(node.$ref) : node)?.content ?? {};

test("every request and response body of every operation has a schema, and every operation its errors", () => {
  const missing = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
      const op = item[method];
      const where = `${method.toUpperCase()} ${path}`;
      if (op.requestBody) {
        const media = Object.entries(contentOf(op.requestBody));
        if (!media.length) missing.push(`${where}: request body has no content`);
        for (const [type, m] of media) if (!m.schema) missing.push(`${where}: request ${type} has no schema`);
      }
      const statuses = Object.keys(op.responses);
      if (!statuses.includes("default")) missing.push(`${where}: no default (error) response`);
      for (const status of statuses) {
        // HEAD answers and 204 No Content carry no body.
        if ((method === "head" && status !== "default") || status === "204") continue;
        const media = Object.entries(contentOf(op.responses[status]));
        if (!media.length) missing.push(`${where} ${status}: response has no content`);
        for (const [type, m] of media) if (!m.schema) missing.push(`${where} ${status}: ${type} has no schema`);
        if (status === "default" || status >= "400") {
          const error = contentOf(op.responses[status])["application/json"]?.schema?.$ref;
          if (error !== "#/components/schemas/ApiError") missing.push(`${where} ${status}: errors are not ApiError`);
        }
      }
    }
  }
  assert.deepEqual(missing, [], "operations without schemas in docs/openapi.yaml");
});

test("every webhook event is documented under webhooks: its body and the Standard Webhooks headers", () => {
  const webhookRs = read("shared/src/webhook.rs");
  const header = (name) => webhookRs.match(new RegExp(`${name}: &str = "([^"]+)"`))[1];
  const headers = ["ID_HEADER", "TIMESTAMP_HEADER", "SIGNATURE_HEADER"].map(header);
  assert.deepEqual(headers, ["webhook-id", "webhook-timestamp", "webhook-signature"]);
  // Every event type the Worker can send (shared's EventType), and nothing else.
  const types = [...webhookRs.slice(webhookRs.indexOf("pub fn as_str(self)")).matchAll(/=> "([a-z]+\.[a-z]+)",/g)].map((m) => m[1]);
  assert.equal(types.length, 9, "the event types parsed");
  assert.deepEqual(Object.keys(spec.webhooks ?? {}).sort(), [...types].sort());
  for (const type of types) {
    const hook = spec.webhooks[type].post;
    const schema = contentOf(hook.requestBody)["application/json"]?.schema;
    assert.equal(schema?.allOf?.[0]?.$ref, "#/components/schemas/Payload", type);
    assert.equal(schema.allOf[1].properties.type.const, type);
    const params = (hook.parameters ?? []).filter((p) => p.in === "header").map((p) => p.name.toLowerCase());
    assert.deepEqual(params, headers, `${type}: the signature headers are documented`);
  }
});
