// A tiny client for the clinic API, used by the demo seeder and the tests.
import { demoDocuments, demoPatient } from "./demo-docs.mjs";

/** A response body as JSON when it is JSON, else as the text it is. */
export function jsonOrText(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function clinicClient(base, apiKey) {
  const call = async (method, path, body, headers = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...headers },
      body,
    });
    const json = jsonOrText(await res.text());
    return { status: res.status, json, headers: res.headers };
  };
  return {
    call,
    upsertPatient: (id, patient) =>
      call("PUT", `/api/v1/clinic/patients/${id}`, JSON.stringify(patient), {
        "content-type": "application/json",
      }),
    uploadDocument: (patientId, doc) => {
      const q = new URLSearchParams({ kind: doc.kind, title: doc.title, date: doc.date });
      return call("PUT", `/api/v1/clinic/patients/${patientId}/documents/${doc.id}?${q}`, doc.bytes, {
        "content-type": doc.contentType,
      });
    },
    share: (request) =>
      call("POST", "/api/v1/clinic/shares", JSON.stringify(request), {
        "content-type": "application/json",
      }),
    putJson: (path, body) =>
      call("PUT", path, JSON.stringify(body), { "content-type": "application/json" }),
    postJson: (path, body) =>
      call("POST", path, JSON.stringify(body), { "content-type": "application/json" }),
    history: (patientId) => list(`/api/v1/clinic/patients/${patientId}/history`),
    list,
  };

  /**
   * Every item of a paged list (`{items, next}`), following `next` to the last page:
   * `{status, json: [...items], pages}`. A refusal comes back as the refusing page's answer.
   */
  async function list(path, { limit } = {}) {
    const items = [];
    let cursor = null;
    let pages = 0;
    for (;;) {
      const params = new URLSearchParams();
      if (limit) params.set("limit", String(limit));
      if (cursor) params.set("cursor", cursor);
      const sep = path.includes("?") ? "&" : "?";
      const query = params.toString();
      const res = await call("GET", query ? `${path}${sep}${query}` : path);
      if (res.status !== 200) return res;
      pages += 1;
      items.push(...res.json.items);
      cursor = res.json.next;
      if (!cursor) return { status: 200, json: items, headers: res.headers, pages };
    }
  }
}

/** Creates the demo patient and documents and shares them all by secure link. */
export async function seedDemo(base, apiKey) {
  const clinic = clinicClient(base, apiKey);
  const must = (r, what) => {
    if (r.status >= 300) throw new Error(`${what} failed: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  must(await clinic.upsertPatient(demoPatient.id, demoPatient.body), "create patient");
  const docs = demoDocuments();
  for (const doc of docs) must(await clinic.uploadDocument(demoPatient.id, doc), `upload ${doc.id}`);
  const share = must(
    await clinic.share({
      patient_id: demoPatient.id,
      document_ids: docs.map((d) => d.id),
      method: "secure_link",
      staff: "Dr Demo",
    }),
    "share",
  );
  return { clinic, docs, share };
}
