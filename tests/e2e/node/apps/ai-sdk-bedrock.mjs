// A small Vercel AI SDK app on Bedrock (`ai` + `@ai-sdk/amazon-bedrock`): Converse with one tool.
//   node ai-sdk-bedrock.mjs [tools|orphan]
// `tools`: generateText with the echo tool, two steps (the SDK runs the tool and sends its result).
// `orphan`: one call with a history whose tool result answers no call, as an app's context pruning leaves
// it (a pruned assistant turn; Just-Curieous/Curie#16): the SDK sends it as it is.
// BEDROCK_BASE_URL / AWS_* are passed to createAmazonBedrock (SigV4 signs the fake keys; nothing checks them).
import { createAmazonBedrock } from "@ai-sdk/amazon-bedrock";
import { generateText, jsonSchema, stepCountIs, tool } from "ai";
import { ECHO_SCHEMA, echo, fail } from "./proxy.mjs";

const mode = process.argv[2] ?? "tools";
const bedrock = createAmazonBedrock({
  baseURL: process.env.BEDROCK_BASE_URL,
  region: process.env.AWS_REGION,
  accessKeyId: process.env.AWS_ACCESS_KEY_ID,
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
});
const model = bedrock(process.env.TOOLGUARD_MODEL ?? "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
const tools = {
  echo: tool({ description: "Print a text.", inputSchema: jsonSchema(ECHO_SCHEMA), execute: echo }),
};

try {
  const result =
    mode === "orphan"
      ? await generateText({
          model,
          tools,
          maxRetries: 0,
          messages: [
            { role: "user", content: "Print hi with the echo tool." },
            { role: "assistant", content: "I will print it." },
            {
              role: "tool",
              content: [
                {
                  type: "tool-result",
                  toolCallId: "tooluse_pruned0001",
                  toolName: "echo",
                  output: { type: "text", value: "printed: hi" },
                },
              ],
            },
          ],
        })
      : await generateText({
          model,
          system: "You are a helpful assistant.",
          prompt: process.env.TOOLGUARD_PROMPT ?? "Print hi with the echo tool.",
          tools,
          stopWhen: stepCountIs(3),
          maxRetries: 0,
        });
  console.log(result.text);
} catch (error) {
  fail(error);
}
