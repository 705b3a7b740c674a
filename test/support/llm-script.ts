import type { RecordedRequest, Reply } from './openai-server.js';

/** Which agentrun call a chat request is: planning, a step turn, or the final result. */
export function callKind(request: RecordedRequest): 'plan' | 'final' | 'step' {
  const system = String(request.body?.messages?.[0]?.content ?? '');
  if (system.includes("agentrun's planner")) return 'plan';
  if (system.includes('final result')) return 'final';
  return 'step';
}

/** The step number a step request is for ("Continue from step N"). */
export function stepOf(request: RecordedRequest): number {
  const user = String(request.body?.messages?.[1]?.content ?? '');
  return Number(/Continue from step (\d+)/.exec(user)?.[1] ?? 0);
}

/** How many assistant turns the step's conversation already has: 0 for its first request. */
export function turnOf(request: RecordedRequest): number {
  return (request.body?.messages ?? []).filter((m: { role: string }) => m.role === 'assistant').length;
}

export function planReply(names: string[]): Reply {
  return { content: JSON.stringify({ steps: names.map((name) => ({ name, description: `do ${name}`, doneWhen: `${name} is done` })) }) };
}
