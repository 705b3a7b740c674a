/**
 * Reasoning models put their thinking in the answer text when the server does not separate it:
 * - `<think>…</think>` (DeepSeek-R1, QwQ, Qwen3) from Ollama and vLLM deployments without a reasoning parser
 *   (https://github.com/deepseek-ai/DeepSeek-R1/issues/23, https://github.com/ollama/ollama/issues/8529) and from
 *   llama-server started with `--reasoning-format none` (https://github.com/ggml-org/llama.cpp/pull/11607);
 * - a lone closing `</think>` when the chat template opened the block in the prompt ("DeepSeek-R1: no <think> start
 *   tag, jumps directly to thinking content", https://docs.sglang.io/advanced_features/separate_reasoning.html);
 * - Kimi K2's `◁think▷…◁/think▷` (same page), and `<thinking>` / `<reasoning>` from other fine-tunes.
 * Everything inside is reasoning, whatever it contains (braces, JSON, tags of its own).
 */
const BLOCKS: [open: string, close: string][] = [
  ['<think>', '</think>'],
  ['<thinking>', '</thinking>'],
  ['<reasoning>', '</reasoning>'],
  ['◁think▷', '◁/think▷'],
];

export interface SplitAnswer {
  content: string;
  reasoning: string | undefined;
}

export function splitReasoning(text: string): SplitAnswer {
  const reasoning: string[] = [];
  let content = text;
  for (const [open, close] of BLOCKS) {
    // A template that opened the block in the prompt leaves only its end in the answer: all before it is reasoning.
    const firstClose = content.indexOf(close);
    const firstOpen = content.indexOf(open);
    if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) {
      reasoning.push(content.slice(0, firstClose));
      content = content.slice(firstClose + close.length);
    }
    for (;;) {
      const start = content.indexOf(open);
      if (start < 0) break;
      const end = content.indexOf(close, start + open.length);
      // An unclosed block (the answer was cut off while thinking) is reasoning to the end.
      const stop = end < 0 ? content.length : end;
      reasoning.push(content.slice(start + open.length, stop));
      content = content.slice(0, start) + content.slice(end < 0 ? content.length : end + close.length);
    }
  }
  const thought = reasoning.map((r) => r.trim()).filter(Boolean).join('\n\n');
  return { content: reasoning.length > 0 ? content.trim() : content, reasoning: thought || undefined };
}
