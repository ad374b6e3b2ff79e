// Starts the clinic console. Kept out of index.html because the Content-Security-Policy allows
// no inline script. `init` fetches and instantiates the WebAssembly; its start function mounts
// the app.
import init from "./pkg/sealpost_console.js";

init({ module_or_path: new URL("./pkg/sealpost_console_bg.wasm", import.meta.url) });
