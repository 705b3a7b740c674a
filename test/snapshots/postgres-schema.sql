-- versions: 1, 2, 3, 4, 5, 6
effects.key text NOT NULL
effects.task_id text NOT NULL
effects.step integer NOT NULL
effects.turn integer NOT NULL
effects.call integer NOT NULL
effects.tool text NOT NULL
effects.args text NOT NULL
effects.status text NOT NULL
effects.output text
effects.process text
effects.created_at bigint NOT NULL
effects.updated_at bigint NOT NULL
effects.process_epoch bigint
llm_turns.task_id text NOT NULL
llm_turns.phase text NOT NULL
llm_turns.step integer NOT NULL
llm_turns.turn integer NOT NULL
llm_turns.response text NOT NULL
llm_turns.prompt_tokens bigint NOT NULL
llm_turns.completion_tokens bigint NOT NULL
llm_turns.created_at bigint NOT NULL
memories.id bigint NOT NULL
memories.namespace text NOT NULL
memories.kind text NOT NULL
memories.text text NOT NULL
memories.text_hash text NOT NULL
memories.tags text NOT NULL DEFAULT '[]'::text
memories.created_at bigint NOT NULL
memories.confirmed_at bigint NOT NULL
memories.last_recalled_at bigint
memories.recall_count integer NOT NULL DEFAULT 0
memories.useful_count integer NOT NULL DEFAULT 0
memories.embedding bytea
memories.embedding_model text
memories.search tsvector GENERATED (setweight(to_tsvector('english'::regconfig, text), 'A'::"char") || setweight(to_tsvector('english'::regconfig, tags), 'B'::"char"))
memory_recalls.memory_id bigint NOT NULL
memory_recalls.task_id text NOT NULL
memory_recalls.recalled_at bigint NOT NULL
memory_recalls.credited boolean NOT NULL DEFAULT false
memory_sources.memory_id bigint NOT NULL
memory_sources.task_id text NOT NULL
memory_sources.added_at bigint NOT NULL
notes.task_id text NOT NULL
notes.seq integer NOT NULL
notes.kind text NOT NULL
notes.text text NOT NULL
notes.reasoning text
notes.step integer
notes.created_at bigint NOT NULL
queues.name text NOT NULL
queues.max_running integer NOT NULL
runs.task_id text NOT NULL
runs.seq integer NOT NULL
runs.owner text NOT NULL
runs.how text NOT NULL
runs.started_at bigint NOT NULL
runs.ended_at bigint
runs.ending text
runs.detail text
runs.steps_completed integer NOT NULL DEFAULT 0
runs.turns_paid integer NOT NULL DEFAULT 0
runs.turns_replayed integer
runs.effects integer NOT NULL DEFAULT 0
runs.base_completed integer NOT NULL
runs.base_requests integer NOT NULL
runs.hook_command text
runs.hook_status text
runs.hook_exit integer
runs.hook_output text
runs.hook_at bigint
schema_version.version integer NOT NULL
schema_version.applied_at bigint NOT NULL
steps.task_id text NOT NULL
steps.n integer NOT NULL
steps.name text NOT NULL
steps.description text NOT NULL
steps.spec text NOT NULL
steps.status text NOT NULL DEFAULT 'pending'::text
steps.result text
steps.error text
steps.attempts integer NOT NULL DEFAULT 0
steps.first_turn integer NOT NULL DEFAULT 1
steps.prompt_tokens bigint NOT NULL DEFAULT 0
steps.completion_tokens bigint NOT NULL DEFAULT 0
steps.llm_requests integer NOT NULL DEFAULT 0
steps.started_at bigint
steps.finished_at bigint
task_definitions.task_id text NOT NULL
task_definitions.definition text NOT NULL
tasks.id text NOT NULL
tasks.agent_id text NOT NULL
tasks.goal text NOT NULL
tasks.workspace text NOT NULL
tasks.namespace text NOT NULL
tasks.model text
tasks.status text NOT NULL
tasks.step_count integer NOT NULL DEFAULT 0
tasks.completed_count integer NOT NULL DEFAULT 0
tasks.current_step integer
tasks.prompt_tokens bigint NOT NULL DEFAULT 0
tasks.completion_tokens bigint NOT NULL DEFAULT 0
tasks.llm_requests integer NOT NULL DEFAULT 0
tasks.result text
tasks.error text
tasks.reason text
tasks.lease_owner text
tasks.lease_expires_at bigint
tasks.lease_epoch bigint NOT NULL DEFAULT 0
tasks.heartbeat_at bigint
tasks.progress text
tasks.cancel_requested boolean NOT NULL DEFAULT false
tasks.created_at bigint NOT NULL
tasks.updated_at bigint NOT NULL
tasks.finished_at bigint
tasks.expires_at bigint
tasks.pruned_at bigint
tasks.queue text
tasks.priority integer NOT NULL DEFAULT 0
workers.id text NOT NULL
workers.queue text NOT NULL
workers.concurrency integer NOT NULL
workers.running integer NOT NULL
workers.started_at bigint NOT NULL
workers.heartbeat_at bigint NOT NULL
effects effects_pkey: PRIMARY KEY (key)
effects effects_task_id_fkey: FOREIGN KEY (task_id) REFERENCES tasks(id) ON DELETE CASCADE
llm_turns llm_turns_phase_check: CHECK ((phase = ANY (ARRAY['plan'::text, 'step'::text, 'final'::text])))
llm_turns llm_turns_pkey: PRIMARY KEY (task_id, phase, step, turn)
llm_turns llm_turns_task_id_fkey: FOREIGN KEY (task_id) REFERENCES tasks(id) ON DELETE CASCADE
memories memories_kind_check: CHECK ((kind = ANY (ARRAY['result'::text, 'discovery'::text, 'decision'::text, 'note'::text])))
memories memories_namespace_text_hash_key: UNIQUE (namespace, text_hash)
memories memories_pkey: PRIMARY KEY (id)
memory_recalls memory_recalls_memory_id_fkey: FOREIGN KEY (memory_id) REFERENCES memories(id) ON DELETE CASCADE
memory_recalls memory_recalls_pkey: PRIMARY KEY (memory_id, task_id)
memory_sources memory_sources_memory_id_fkey: FOREIGN KEY (memory_id) REFERENCES memories(id) ON DELETE CASCADE
memory_sources memory_sources_pkey: PRIMARY KEY (memory_id, task_id)
notes notes_kind_check: CHECK ((kind = ANY (ARRAY['decision'::text, 'discovery'::text])))
notes notes_pkey: PRIMARY KEY (task_id, seq)
notes notes_task_id_fkey: FOREIGN KEY (task_id) REFERENCES tasks(id) ON DELETE CASCADE
queues queues_max_running_check: CHECK ((max_running > 0))
queues queues_pkey: PRIMARY KEY (name)
runs runs_ending_check: CHECK ((ending = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text, 'needs-attention'::text, 'interrupted'::text, 'lease-lost'::text, 'killed'::text, 'error'::text])))
runs runs_hook_status_check: CHECK ((hook_status = ANY (ARRAY['pending'::text, 'running'::text, 'done'::text, 'failed'::text])))
runs runs_how_check: CHECK ((how = ANY (ARRAY['start'::text, 'resume'::text, 'takeover'::text, 'force'::text])))
runs runs_pkey: PRIMARY KEY (task_id, seq)
runs runs_task_id_fkey: FOREIGN KEY (task_id) REFERENCES tasks(id) ON DELETE CASCADE
schema_version schema_version_pkey: PRIMARY KEY (version)
steps steps_pkey: PRIMARY KEY (task_id, n)
steps steps_task_id_fkey: FOREIGN KEY (task_id) REFERENCES tasks(id) ON DELETE CASCADE
task_definitions task_definitions_pkey: PRIMARY KEY (task_id)
task_definitions task_definitions_task_id_fkey: FOREIGN KEY (task_id) REFERENCES tasks(id) ON DELETE CASCADE
tasks tasks_pkey: PRIMARY KEY (id)
workers workers_pkey: PRIMARY KEY (id)
CREATE INDEX effects_by_task ON effects USING btree (task_id, step, turn, call)
CREATE UNIQUE INDEX effects_pkey ON effects USING btree (key)
CREATE UNIQUE INDEX llm_turns_pkey ON llm_turns USING btree (task_id, phase, step, turn)
CREATE INDEX memories_by_recency ON memories USING btree (namespace, confirmed_at DESC)
CREATE UNIQUE INDEX memories_namespace_text_hash_key ON memories USING btree (namespace, text_hash)
CREATE UNIQUE INDEX memories_pkey ON memories USING btree (id)
CREATE INDEX memories_search ON memories USING gin (search)
CREATE INDEX memory_recalls_by_task ON memory_recalls USING btree (task_id, credited)
CREATE UNIQUE INDEX memory_recalls_pkey ON memory_recalls USING btree (memory_id, task_id)
CREATE INDEX memory_sources_by_task ON memory_sources USING btree (task_id)
CREATE UNIQUE INDEX memory_sources_pkey ON memory_sources USING btree (memory_id, task_id)
CREATE UNIQUE INDEX notes_pkey ON notes USING btree (task_id, seq)
CREATE UNIQUE INDEX queues_pkey ON queues USING btree (name)
CREATE UNIQUE INDEX runs_pkey ON runs USING btree (task_id, seq)
CREATE UNIQUE INDEX schema_version_pkey ON schema_version USING btree (version)
CREATE UNIQUE INDEX steps_pkey ON steps USING btree (task_id, n)
CREATE UNIQUE INDEX task_definitions_pkey ON task_definitions USING btree (task_id)
CREATE INDEX tasks_by_status ON tasks USING btree (status, updated_at DESC)
CREATE INDEX tasks_claimable ON tasks USING btree (queue, priority DESC, created_at, id) WHERE ((queue IS NOT NULL) AND (status = ANY (ARRAY['queued'::text, 'planning'::text, 'running'::text, 'interrupted'::text])))
CREATE UNIQUE INDEX tasks_pkey ON tasks USING btree (id)
CREATE UNIQUE INDEX workers_pkey ON workers USING btree (id)
