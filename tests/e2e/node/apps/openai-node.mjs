// A small openai-node (v5+) app: one tool-using exchange, the way apps call the SDK.
//   node openai-node.mjs [chat|responses]
// OPENAI_BASE_URL / OPENAI_API_KEY are read by the SDK (reverse mode: point the base URL at the
// proxy); TOOLGUARD_USE_ENV_PROXY=1 routes fetch through HTTPS_PROXY/HTTP_PROXY (see proxy.mjs).
import OpenAI from "openai";
import { ECHO_SCHEMA, echo, fail, proxyDispatcher } from "./proxy.mjs";

const api = process.argv[2] ?? "chat";
const dispatcher = proxyDispatcher();
const client = new OpenAI({ maxRetries: 0, timeout: 20_000, fetchOptions: dispatcher ? { dispatcher } : {} });
const prompt = process.env.TOOLGUARD_PROMPT ?? "Print hi with the echo tool.";
const model = process.env.TOOLGUARD_MODEL ?? "gpt-4o";

// TOOLGUARD_APP_KEEP_LAST=N turns on the app bug the e2e tests need: a naive context-window trim
// that keeps the system prompt and the last N messages. Cutting between an assistant message with
// tool_calls and its tool messages orphans them: the way apps really get OpenAI's "messages with
// role 'tool' must be a response to a preceeding message with 'tool_calls'" 400.
const keepLast = Number(process.env.TOOLGUARD_APP_KEEP_LAST ?? 0);

function trimmed(messages) {
  if (!keepLast || messages.length <= keepLast + 1) return messages;
  return [messages[0], ...messages.slice(-keepLast)];
}

async function chat() {
  const tools = [{ type: "function", function: { name: "echo", description: "Print a text.", parameters: ECHO_SCHEMA } }];
  const messages = [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: prompt },
  ];
  const first = await client.chat.completions.create({ model, messages, tools });
  const message = first.choices[0].message;
  messages.push(message);
  for (const call of message.tool_calls ?? []) {
    messages.push({ role: "tool", tool_call_id: call.id, content: echo(JSON.parse(call.function.arguments)) });
  }
  const second = await client.chat.completions.create({ model, messages: trimmed(messages), tools });
  return second.choices[0].message.content;
}

async function responses() {
  const tools = [{ type: "function", name: "echo", description: "Print a text.", parameters: ECHO_SCHEMA, strict: true }];
  const input = [{ role: "user", content: prompt }];
  const first = await client.responses.create({ model, input, tools, store: false });
  for (const item of first.output) {
    input.push(item);
    if (item.type === "function_call") {
      input.push({ type: "function_call_output", call_id: item.call_id, output: echo(JSON.parse(item.arguments)) });
    }
  }
  const second = await client.responses.create({ model, input, tools, store: false });
  return second.output_text;
}

try {
  console.log(api === "responses" ? await responses() : await chat());
} catch (error) {
  fail(error);
}
