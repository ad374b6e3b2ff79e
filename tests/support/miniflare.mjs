// The built Worker in workerd through Miniflare's API: as Cloudflare runs it, without the proxy
// Worker, body-draining middleware and inspector that `wrangler dev` adds. For behaviour those
// change (an unread request body) and for measurements (scripts/bench).
import { join } from "node:path";
import { Miniflare } from "miniflare";

/**
 * Starts the Worker built in `edgeDir/build` with `bindings` as its vars; await `.ready`.
 * `options` adds or overrides Miniflare options (the bench passes `logRequests: false`).
 */
export function startWorkerd(edgeDir, bindings, options = {}) {
  return new Miniflare({
    scriptPath: join(edgeDir, "build", "index.js"),
    modulesRoot: edgeDir,
    modules: true,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-04-01",
    durableObjects: {
      PRACTICE: { className: "PracticeStore", useSQLite: true },
      DIRECTORY: { className: "Directory", useSQLite: true },
    },
    r2Buckets: ["DOCUMENTS"],
    host: "127.0.0.1",
    port: 0,
    bindings,
    ...options,
  });
}
