// Checks real responses against docs/openapi.yaml. `startSealpost` wraps the test process's
// `fetch` with `checkedFetch`, so every response of the Worker that an end-to-end test receives
// (success or error, whatever test sent it) is validated against the operation's documented
// response for its status, with ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1). A
// response that breaks its schema throws at the call, naming the operation, the status and
// what is wrong. `covered()` says which operations have been seen answering with success and
// with an error, for tests/e2e/openapi_responses.test.mjs.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const spec = parse(readFileSync(new URL("../../docs/openapi.yaml", import.meta.url), "utf8"));
const METHODS = ["get", "put", "post", "delete", "head", "patch"];

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
// schemars names Rust's integer widths; the numbers themselves are checked by `minimum`.
for (const format of ["uint", "uint8", "uint16", "uint32", "uint64", "int8", "int16"]) {
  ajv.addFormat(format, { type: "number", validate: () => true });
}

/** Every documented operation: `{ key: "GET /api/v1/x/{id}", method, regex, op }`. */
export const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.keys(item).filter((m) => METHODS.includes(m)).map((method) => ({
    key: `${method.toUpperCase()} ${path}`,
    method: method.toUpperCase(),
    // A literal segment beats a template: `/patients/{patient}` vs `/settings/origin` never
    // collide here, but sorting literal-first keeps it so.
    literals: path.split("/").filter((s) => s && !s.startsWith("{")).length,
    regex: new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    op: item[method],
  }))).sort((a, b) => b.literals - a.literals);

/** The documented operation for a request, or undefined. */
export function operationFor(method, pathname) {
  return operations.find((o) => o.method === method && o.regex.test(pathname));
}

const deref = (node) =>
  node?.$ref ? node.$ref.slice(2).split("/").reduce((n, k) => n?.[k.replaceAll("~1", "/").replaceAll("~0", "~")], spec) : node;

const compiled = new Map();
function validatorFor(key, status, schema) {
  const id = `${key} ${status}`;
  if (!compiled.has(id)) {
    // The schema's `#/components/schemas/…` refs resolve against this document's root.
    compiled.set(id, ajv.compile({
      $id: `https://sealpost.invalid/${compiled.size}`,
      ...schema,
      components: { schemas: spec.components.schemas },
    }));
  }
  return compiled.get(id);
}

const seen = new Map(); // operation key → Set of "success" | "error"

/** Operations seen so far: key → ["error", "success"]. */
export function covered() {
  return new Map([...seen].map(([k, v]) => [k, [...v].sort()]));
}

/**
 * Checks one response. Throws an Error naming what does not match the document; records the
 * operation as covered otherwise. `text` is the body (undefined for a body not read: binary).
 */
export function checkResponse(method, url, status, contentType, text) {
  const { pathname } = new URL(url);
  const found = operationFor(method, pathname);
  const where = `${method} ${pathname} → ${status}`;
  if (!found) {
    // Not an API route (the portal's pages and assets), or a method the path lacks (405):
    // API errors are still ApiError.
    if (pathname.startsWith("/api/") && status >= 400 && method !== "HEAD") {
      checkBody(`${where} (undocumented operation)`, "ApiError", { $ref: "#/components/schemas/ApiError" }, contentType, text);
    }
    return;
  }
  const response = deref(found.op.responses[String(status)] ?? found.op.responses.default);
  if (!response) throw new Error(`docs/openapi.yaml: ${found.key} documents no response ${status} (and no default)`);
  if (method !== "HEAD") {
    const media = Object.entries(response.content ?? {});
    if (!media.length && text) throw new Error(`${where}: a body, but ${found.key} ${status} documents none`);
    const json = media.find(([type]) => type === "application/json");
    if (json && contentType?.startsWith("application/json")) {
      checkBody(where, `${found.key} ${status}`, json[1].schema, contentType, text);
    } else if (media.length && !media.some(([type]) => type === "*/*" || contentType?.startsWith(type))) {
      throw new Error(`${where}: content-type ${contentType}, documented ${media.map(([t]) => t).join(", ")}`);
    }
  }
  if (!seen.has(found.key)) seen.set(found.key, new Set());
  seen.get(found.key).add(status < 400 ? "success" : "error");
}

function checkBody(where, key, schema, contentType, text) {
  if (!contentType?.startsWith("application/json")) {
    throw new Error(`${where}: expected application/json, got ${contentType}`);
  }
  const body = JSON.parse(text);
  const validate = validatorFor(key, "", schema);
  if (!validate(body)) {
    const errors = validate.errors.map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
    throw new Error(`${where}: the body does not match docs/openapi.yaml:\n  ${errors.join("\n  ")}\nbody: ${text.slice(0, 2000)}`);
  }
}

/**
 * `fetch` that checks every answer from `base` against the document (see the top of this
 * file). Only JSON bodies are read (from a clone); a document stream is left to the caller.
 */
export function checkedFetch(inner, base) {
  return async function fetch(input, init) {
    const res = await inner(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(base)) return res;
    const method = (init?.method || (typeof input === "object" && input.method) || "GET").toUpperCase();
    const contentType = res.headers.get("content-type") ?? "";
    // HEAD answers carry the headers of a body, never the body.
    const text = contentType.startsWith("application/json") && method !== "HEAD" ? await res.clone().text() : undefined;
    checkResponse(method, url, res.status, contentType, text);
    return res;
  };
}

/** Wraps the global `fetch` once per Worker started (idempotent per base). */
const wrapped = new Set();
export function checkResponsesOf(base) {
  if (process.env.SEALPOST_OPENAPI_CHECK === "0" || wrapped.has(base)) return;
  wrapped.add(base);
  globalThis.fetch = checkedFetch(globalThis.fetch, base);
}
