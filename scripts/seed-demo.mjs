// Seeds the running local Sealpost with the demo practice data: node scripts/seed-demo.mjs URL KEY
import { seedDemo } from "../tests/support/clinic-client.mjs";

const [base, key] = process.argv.slice(2);
const { docs, share } = await seedDemo(base, key);
console.log(`seeded ${docs.length} documents; share ${share.share_id}, ${share.emails_sent} email(s) sent`);
