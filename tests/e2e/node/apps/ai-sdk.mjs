// A small Vercel AI SDK app (`ai` + `@ai-sdk/openai`): generateText with one tool, two steps.
//   node ai-sdk.mjs [chat|responses]
// `openai.chat(model)` speaks Chat Completions, `openai(model)` the Responses API (the SDK's default).
// OPENAI_BASE_URL / OPENAI_API_KEY are passed to createOpenAI; TOOLGUARD_USE_ENV_PROXY=1 routes
// fetch through HTTPS_PROXY/HTTP_PROXY (see proxy.mjs).
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, stepCountIs, tool } from "ai";
import { ECHO_SCHEMA, echo, fail, proxyDispatcher } from "./proxy.mjs";

const api = process.argv[2] ?? "chat";
proxyDispatcher();
const openai = createOpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY });
const modelId = process.env.TOOLGUARD_MODEL ?? "gpt-4o";

try {
  const result = await generateText({
    model: api === "responses" ? openai(modelId) : openai.chat(modelId),
    system: "You are a helpful assistant.",
    prompt: process.env.TOOLGUARD_PROMPT ?? "Print hi with the echo tool.",
    tools: { echo: tool({ description: "Print a text.", inputSchema: jsonSchema(ECHO_SCHEMA), execute: echo }) },
    stopWhen: stepCountIs(3),
    maxRetries: Number(process.env.TOOLGUARD_MAX_RETRIES ?? 0),
  });
  console.log(result.text);
} catch (error) {
  fail(error);
}
