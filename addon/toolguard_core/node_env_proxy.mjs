// Preloaded by `toolguard run --proxy-mode regular` (NODE_OPTIONS=--import <this file>).
//
// Node's built-in fetch (undici inside Node) ignores HTTPS_PROXY/HTTP_PROXY, so openai-node v5+, the
// Vercel AI SDK and anything else on fetch would go straight to the API and toolguard would see
// nothing (/work/shared/reference/agent-clis.md, "Node apps on built-in fetch"). undici's
// EnvHttpProxyAgent reads those variables (and NO_PROXY); set as the global dispatcher it routes
// fetch through the proxy. Node does not expose its own copy of undici, so the package is looked up
// where the app would find it: next to the entry script, then the working directory. Without it
// this says so on stderr once (the run report names the cause too) and changes nothing.
import { createRequire } from "node:module";
import path from "node:path";

const places = [];
if (process.argv[1]) places.push(path.resolve(process.argv[1]));
places.push(path.join(process.cwd(), "package.json"));

let undici;
for (const place of places) {
  try {
    undici = createRequire(place)("undici");
    break;
  } catch {
    // not installed there; try the next place
  }
}

if (undici && typeof undici.EnvHttpProxyAgent === "function") {
  undici.setGlobalDispatcher(new undici.EnvHttpProxyAgent());
} else if (typeof globalThis.fetch === "function") {
  // Said on the first fetch only: Node processes that never fetch (launchers, CLIs with their own
  // proxy support) stay quiet. The call itself goes to the real fetch unchanged.
  const realFetch = globalThis.fetch;
  let warned = false;
  globalThis.fetch = function fetch(...args) {
    if (!warned) {
      warned = true;
      process.stderr.write(
        "toolguard: Node's fetch ignores HTTPS_PROXY, and the undici package (>= 6.12, for " +
          "EnvHttpProxyAgent) was not found next to this script or in the working directory, so this " +
          "request bypasses the proxy; `npm install undici` in the app, or use toolguard run's reverse mode.\n",
      );
    }
    return realFetch.apply(this, args);
  };
}
