// Starts the portal. Kept out of index.html because the Content-Security-Policy allows no inline
// script.
//
// On a slow phone the WebAssembly takes seconds to arrive, so this file does three things first
// (issue 13):
// 1. takes the link token out of the address bar at once (before anything else reads the URL);
// 2. posts it to /api/v1/portal/open while the WebAssembly downloads;
// 3. shows the page that answer calls for, from the <template>s in index.html (the pre-paint),
//    so the date-of-birth fields are there to type into before the app is.
// Then it loads the WebAssembly and starts the Leptos app with the token and the answer's promise: the app never asks
// /open twice, takes over what the person typed and the focus, and removes the pre-paint
// (portal/src/prepaint.rs). Nothing here verifies anything or sends anything but the token to
// /open, exactly as the app did; a page load still changes nothing on the server.
const OPEN = "/api/v1/portal/open";
// shared::token::MAX_TOKEN_LEN: a longer fragment is refused without a request.
const MAX_TOKEN_LEN = 2048;
// Remembered for this tab only, so a reload (after signing out, say) still names the practice.
const PRACTICE_KEY = "sealpost.practice";

function takeToken() {
  if (location.pathname !== "/open") return { kind: "missing" };
  const hash = location.hash;
  if (hash) history.replaceState(null, "", "/open");
  const token = hash.replace(/^#/, "").trim();
  if (!token) return { kind: "missing" };
  if (token.length > MAX_TOKEN_LEN) return { kind: "refused" };
  return { kind: "token", token };
}

const link = takeToken();
const opened = link.kind === "token"
  ? fetch(OPEN, {
    method: "POST", cache: "no-store", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ token: link.token }),
  })
  : null;

const main = document.getElementById("prepaint-main");
const practiceEl = document.getElementById("prepaint-practice");
let remembered = null;
try { remembered = sessionStorage.getItem(PRACTICE_KEY); } catch { /* storage off: fine */ }

function showPractice(name) {
  if (!name || !practiceEl) return;
  practiceEl.textContent = name;
  practiceEl.className = "header__practice";
  try { sessionStorage.setItem(PRACTICE_KEY, name); } catch { /* storage off: fine */ }
}
showPractice(remembered);
// The practice's name comes with the /open answer: until then the banner is empty rather than
// naming the service instead of the practice.
if (!remembered && link.kind === "token" && practiceEl) practiceEl.textContent = "\u00a0";
main?.querySelector(".loading")?.removeAttribute("hidden");
// Other pages load the app only (the documents after a reload, say): say so, not "Opening".
if (location.pathname !== "/open" && main) {
  for (const el of main.querySelectorAll("h1")) el.textContent = "Loading";
  for (const el of main.querySelectorAll("progress")) el.setAttribute("aria-label", "Loading");
}

/** Replaces the pre-paint's page with template `name`, slots filled as text (never as HTML). */
function show(name, slots = {}) {
  const tpl = document.getElementById(`prepaint-${name}`);
  if (!main || !tpl || document.documentElement.dataset.app === "ready") return false;
  const page = tpl.content.cloneNode(true);
  for (const el of page.querySelectorAll("[data-slot]")) {
    const v = slots[el.dataset.slot] ?? el.textContent;
    // A slot with no other attribute is plain text in the app's markup: unwrap it.
    if (el.attributes.length === 1) el.replaceWith(v);
    else { el.textContent = v; el.removeAttribute("data-slot"); }
  }
  page.normalize();
  main.replaceChildren(page);
  const h1 = main.querySelector("h1");
  document.title = `${h1?.textContent ?? ""} – Sealpost`;
  h1?.focus();
  // A press before the app is there is kept and carried out by the app when it takes over.
  for (const form of main.querySelectorAll("form")) {
    form.addEventListener("submit", (ev) => { ev.preventDefault(); form.dataset.pressed = "true"; form.querySelector("button")?.setAttribute("aria-disabled", "true"); });
  }
  for (const button of main.querySelectorAll("button[type=button]")) {
    button.addEventListener("click", () => { button.dataset.pressed = "true"; button.setAttribute("aria-disabled", "true"); });
  }
  return true;
}

/** What the answer to /open calls for, as portal/src/logic.rs (open_outcome) decides it. */
async function prepaint() {
  if (link.kind === "refused") return show("link_invalid");
  if (link.kind === "missing") return location.pathname === "/open" && show("no_link");
  let res, body;
  try {
    res = (await opened).clone();
    body = await res.json();
  } catch {
    return false; // The app says "We could not connect" and offers Retry.
  }
  const practice = body.practice_name;
  showPractice(practice);
  const slots = practice ? { practice, Practice: practice } : {};
  if (!res.ok) return typeof body.code === "string" && /^[a-z_]+$/.test(body.code) && show(body.code, slots);
  if (body.outcome === "renewed") return show("renewed", { masked: body.masked_email });
  const c = body.challenge ?? {};
  if (c.attempts_left === 0) return show("locked_out", slots);
  if (c.method === "birthday") return show("birthday");
  if (c.method === "sms_code") {
    const ending = (c.masked_mobile.trimEnd().match(/\d*$/) ?? [""])[0];
    return show("sms", { masked: c.masked_mobile, ending: `the mobile number ending ${ending}` });
  }
  if (c.method === "confirm_magic_link") return show("confirm", slots);
  return false;
}

// The app's files are fetched only once the pre-paint is up: on a slow link they would otherwise
// share the bandwidth with this page's CSS and the /open answer (measured in docs/BENCHMARKS.md).
const glue = import("./pkg/sealpost_portal.js");
await prepaint().catch(() => false);
const { default: init, start } = await glue;
await init({ module_or_path: new URL("./pkg/sealpost_portal_bg.wasm", import.meta.url) });
start(link.kind === "token" ? link.token : null, link.kind === "refused", opened);
