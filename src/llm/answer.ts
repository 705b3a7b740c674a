import type { ChatResponse } from './types.js';

/**
 * Why a response without tool calls is not an answer, or undefined when it is one. An empty, cut-off or filtered
 * answer must never become a step's result, a plan or a final result.
 * - `length`: the output limit cut it (https://platform.openai.com/docs/api-reference/chat/object);
 * - `content_filter`: Azure returns 200 with no (or partial) content and this finish_reason when its filter withheld
 *   the completion ("Always check finish_reason", https://learn.microsoft.com/azure/ai-services/openai/concepts/content-filter).
 */
export function unusableAnswer(response: ChatResponse): string | undefined {
  if (response.finishReason === 'content_filter') return "the server's content filter withheld the answer (finish_reason content_filter)";
  if (response.finishReason === 'length') return 'the answer was cut off at the output token limit (finish_reason length)';
  if (!response.content?.trim()) return 'the answer was empty';
  return undefined;
}
