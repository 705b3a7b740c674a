-- agentrun PostgreSQL schema, migration 3: an effect's process is stamped with the lease epoch of the run that started
-- it, so only a later run may stop it (a runner that was paused and taken over never kills the live run's command).
-- Frozen: a change is the next number.

ALTER TABLE effects ADD COLUMN process_epoch BIGINT;
