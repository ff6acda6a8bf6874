// Regular (forward) proxy mode for Node apps: Node's built-in fetch ignores HTTPS_PROXY/HTTP_PROXY
// (docs: /work/shared/reference/agent-clis.md, "Node apps on built-in fetch"), so when
// TOOLGUARD_USE_ENV_PROXY=1 the apps route fetch through undici's EnvHttpProxyAgent, which reads
// those variables (and NO_PROXY). Returns the dispatcher to hand to a client, or undefined.
import { EnvHttpProxyAgent, setGlobalDispatcher } from "undici";

export function proxyDispatcher() {
  if (process.env.TOOLGUARD_USE_ENV_PROXY !== "1") return undefined;
  const dispatcher = new EnvHttpProxyAgent();
  setGlobalDispatcher(dispatcher); // for code that calls the global fetch without options
  return dispatcher;
}

// The one tool both apps offer: harmless, local, deterministic.
export const ECHO_SCHEMA = {
  type: "object",
  properties: { text: { type: "string", description: "The text to print." } },
  required: ["text"],
  additionalProperties: false,
};

export function echo({ text }) {
  return `printed: ${text}`;
}

export function fail(error) {
  // An API error as the user sees it: status and the provider's message, exit 1.
  const status = error?.status ?? error?.statusCode ?? "";
  console.error(`API Error: ${status} ${error?.message ?? error}`);
  if (error?.responseBody) console.error(error.responseBody);
  process.exit(1);
}
