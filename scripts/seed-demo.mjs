// Seeds the running local Sealpost with two demo practices side by side:
//   node scripts/seed-demo.mjs URL OPERATOR_KEY KEYS_FILE
// Each practice is created once through the operator API (its first clinic API key, shown only
// then, is kept in KEYS_FILE), then gets the demo patient and documents, shared by link.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { seedDemo } from "../tests/support/clinic-client.mjs";
import { operatorClient } from "../tests/support/harness.mjs";

const [base, operatorKey, keysFile] = process.argv.slice(2);
const PRACTICES = [
  { id: "riverside", name: "Riverside Surgery", mail_from: "no-reply@riverside-surgery.example" },
  { id: "northgate", name: "Northgate Medical Centre", mail_from: "no-reply@northgate-medical.example" },
];

const operator = operatorClient(base, operatorKey);
const keys = existsSync(keysFile) ? JSON.parse(readFileSync(keysFile, "utf8")) : {};
for (const practice of PRACTICES) {
  const created = await operator.createPractice(practice);
  if (created.status === 201) {
    keys[practice.id] = created.json.api_key;
  } else if (created.status !== 409 || !keys[practice.id]) {
    throw new Error(`creating ${practice.id}: ${created.status} ${JSON.stringify(created.json)}` +
      (created.status === 409 ? ` (its key is not in ${keysFile}: delete .wrangler/state to start over)` : ""));
  }
  mkdirSync(dirname(keysFile), { recursive: true });
  writeFileSync(keysFile, JSON.stringify(keys, null, 2));
  const { docs, share } = await seedDemo(base, keys[practice.id]);
  console.log(`${practice.name} (${practice.id}): ${docs.length} documents shared (share ${share.share_id})`);
  console.log(`  outbox:         ${base}/dev/outbox?practice=${practice.id}`);
  console.log(`  clinic API key: ${keys[practice.id]}`);
}
