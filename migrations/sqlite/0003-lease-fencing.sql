-- agentrun SQLite schema, migration 3: fencing. Every lease taken increments the epoch, and an effect's process is
-- stamped with the epoch of the run that started it, so a runner that was paused and taken over can neither write nor
-- stop the new run's command. Frozen: a change is the next number.

ALTER TABLE tasks ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE effects ADD COLUMN process_epoch INTEGER;
