// A clinic developer's view of docs/openapi.yaml: a client generated from it with a standard
// generator (@hey-api/openapi-ts, from the npm registry), type-checked by TypeScript, shares a
// document and reads the sharing history and the audit back from the Worker in workerd.
// The client is generated fresh on every run (into a temporary folder, never committed), so it
// can never drift from the file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createClient } from "@hey-api/openapi-ts";
import { build } from "esbuild";
import { startFakeMail, startSealpost } from "../support/harness.mjs";
import { demoPatient, demoDocuments } from "../support/demo-docs.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
let mail, app, dir, sdk;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sealpost-client-"));
  await createClient({
    input: join(root, "docs/openapi.yaml"),
    output: { path: join(dir, "client") },
    plugins: ["@hey-api/client-fetch", "@hey-api/typescript", "@hey-api/sdk"],
    logs: { level: "silent" },
  });
  // The code a developer would use, written against the generated types: a wrong field name
  // or type here, or generated code that does not compile, fails the type check.
  writeFileSync(join(dir, "use.ts"), `
import { share, getSharingHistory, getPatientHistory, upsertPatient } from "./client";
import type { ShareRequest, ShareEntryPage, AuditEntry, PatientUpsert } from "./client";
const patient: PatientUpsert = { name: "Jane Doe", date_of_birth: "1984-03-07", email: "jane@example.com" };
const request: ShareRequest = { patient_id: "p", document_ids: ["d"], method: "secure_link", staff: "Dr Who",
  recipients: [{ type: "patient" }] };
export async function journey(): Promise<[ShareEntryPage, AuditEntry[]]> {
  await upsertPatient({ path: { patient: "p" }, body: patient, throwOnError: true });
  await share({ body: request, headers: { "Idempotency-Key": "share-p-1" }, throwOnError: true });
  const shares = await getSharingHistory({ path: { patient: "p" }, query: { limit: 20 }, throwOnError: true });
  const events: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await getPatientHistory({ path: { patient: "p" }, query: { cursor }, throwOnError: true });
    events.push(...page.data.items);
    cursor = page.data.next ?? undefined;
  } while (cursor);
  return [shares.data, events];
}
`);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "esnext", moduleResolution: "bundler", lib: ["es2022", "dom", "dom.iterable"], skipLibCheck: true },
    files: ["use.ts", "client/index.ts"],
  }));
  try {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", dir], { stdio: "pipe" });
  } catch (e) {
    throw new Error(`the generated client does not type-check:\n${e.stdout}${e.stderr}`);
  }
  // Node runs JavaScript: bundle the generated TypeScript as one module (the operations, and
  // the generated fetch client's `createClient`/`createConfig`).
  writeFileSync(join(dir, "entry.ts"), `export * from "./client";\nexport { createClient, createConfig } from "./client/client";\n`);
  await build({ entryPoints: [join(dir, "entry.ts")], bundle: true, format: "esm", platform: "node", outfile: join(dir, "client.mjs"), logLevel: "silent" });
  sdk = await import(pathToFileURL(join(dir, "client.mjs")).href);

  mail = await startFakeMail();
  app = await startSealpost({ mailBase: mail.base });
});
after(async () => {
  await app?.stop();
  await mail?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a client generated from docs/openapi.yaml shares a document and reads the sharing history", async () => {
  // The clinic system's API key is the bearer scheme (the other, Cf-Access-Jwt-Assertion, is
  // for staff signed in through Cloudflare Access).
  const auth = (scheme) => (scheme.scheme === "bearer" ? app.apiKey : undefined);
  const client = sdk.createClient(sdk.createConfig({ baseUrl: app.base, auth }));
  const P = "generated-client-patient";
  const [letter] = demoDocuments().filter((d) => d.kind === "letter");
  const call = { client, throwOnError: true };

  const patient = await sdk.upsertPatient({ ...call, path: { patient: P }, body: { ...demoPatient.body, email: "gen.client@example.com" } });
  assert.equal(patient.data.id, P);
  const uploaded = await sdk.uploadDocument({
    ...call,
    path: { patient: P, document: letter.id },
    query: { kind: letter.kind, title: letter.title, date: letter.date },
    body: new Blob([letter.bytes], { type: letter.contentType }),
    headers: { "Content-Type": letter.contentType },
    bodySerializer: null,
  });
  assert.equal(uploaded.response.status, 201);
  assert.equal(uploaded.data.id, letter.id);

  const body = { patient_id: P, document_ids: [letter.id], method: "secure_link", staff: "Dr Generated" };
  const shared = await sdk.share({ ...call, body, headers: { "Idempotency-Key": "generated-share-1" } });
  assert.equal(shared.response.status, 201);
  assert.equal(shared.data.emails_queued, 1);
  assert.ok(mail.latestLink("gen.client@example.com"), "the patient was emailed a link");
  // A retry after a timeout, under the same key, answers the first answer and sends nothing.
  const sent = mail.messages.length;
  const retried = await sdk.share({ ...call, body, headers: { "Idempotency-Key": "generated-share-1" } });
  assert.deepEqual(retried.data, shared.data);
  assert.equal(retried.response.headers.get("idempotency-replayed"), "true");
  assert.equal(mail.messages.length, sent);

  const shares = await sdk.getSharingHistory({ ...call, path: { patient: P } });
  assert.equal(shares.data.items.length, 1);
  assert.equal(shares.data.next, null);
  const [entry] = shares.data.items;
  assert.equal(entry.id, shared.data.share_id);
  assert.equal(entry.staff, "Dr Generated");
  assert.deepEqual(entry.documents, [letter.id]);
  assert.equal(entry.deliveries[0].status, "sent");

  const history = await sdk.getPatientHistory({ ...call, path: { patient: P } });
  assert.ok(history.data.items.some((e) => e.event === "shared" && e.actor === "Dr Generated"), JSON.stringify(history.data));

  // Errors come back typed as ApiError.
  const missing = await sdk.getSharingHistory({ client, path: { patient: "no-such-patient" } });
  assert.equal(missing.response.status, 404);
  assert.equal(missing.error.code, "not_found");
});
