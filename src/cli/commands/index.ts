import type { RegisterCommand } from '../command-kit.js';
import { register as approve } from './approve.js';
import { register as cancel } from './cancel.js';
import { register as deleteTask } from './delete.js';
import { register as exportTask } from './export.js';
import { register as fork } from './fork.js';
import { register as gc } from './gc.js';
import { register as importTask } from './import.js';
import { register as inspect } from './inspect.js';
import { register as logs } from './logs.js';
import { register as mcp } from './mcp.js';
import { register as memory } from './memory.js';
import { register as queue } from './queue.js';
import { register as resolve } from './resolve.js';
import { register as resume } from './resume.js';
import { register as start } from './start.js';
import { register as status } from './status.js';
import { register as transfer } from './transfer.js';
import { register as worker } from './worker.js';
import { register as workers } from './workers.js';

/** Every command, in the order `agentrun --help` lists them. A new command adds its module here. */
export const COMMANDS: RegisterCommand[] = [start, resume, cancel, deleteTask, fork, exportTask, importTask, transfer, gc, resolve, approve, status, inspect, logs, mcp, memory, worker, workers, queue];
