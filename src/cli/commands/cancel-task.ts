import type { Bus } from '../../bus/bus.js';
import { ErrorCodes, isErrorCode, isSwitchyardError, SwitchyardError } from '../../protocol/errors.js';
import { parseWith } from '../../protocol/parse.js';
import { type CancelTask, TaskCancelAcceptedSchema } from '../../protocol/run-commands.js';
import { ErrorReplySchema } from '../../protocol/runtime-events.js';
import { subjects as subjectBuilders } from '../../protocol/subjects.js';
import { parseCommandArgs, positionals } from '../args.js';
import type { Output } from '../io.js';
import { connectNats, natsFlags, natsFlagsHelp, natsOptions } from '../nats-flags.js';
import { positiveInt } from '../numeric-flags.js';
import { MAX_TIMER_MS } from '../../protocol/numbers.js';

export const cancelTaskHelp = `Usage: switchyard cancel-task <run-id> <task-id> --nats <urls> [options]

Cancels one task of a run that is running now in another process started with --nats
(\`switchyard run … --nats\`): its attempt is cancelled on its runtime, it ends failed with
CANCELLED (not retried), and every task that needs it is skipped. The run journals it, so
\`show\`, replay and \`resume\` see it. An embedded run: call run.cancelTask(taskId) instead.

  --reason <text>    kept in the task's failure_log entry (default "cancelled on request")
  --timeout-ms <n>   how long to wait for the run's answer (default 5000)
${natsFlagsHelp}`;

/** `switchyard cancel-task`. */
export async function cancelTaskCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('cancel-task', argv, {
    reason: { type: 'string' },
    'timeout-ms': { type: 'string' },
    ...natsFlags,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(cancelTaskHelp);
    return 0;
  }
  const [runId, taskId] = positionals('cancel-task', given, ['run-id', 'task-id']);
  const nats = natsOptions(values, 'switchyard cancel-task');
  if (!nats)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      '`switchyard cancel-task` reaches a running run over NATS: give --nats <url> (or $NATS_URL), the server the run was started with.',
    );
  const timeoutMs = positiveInt('timeout-ms', values['timeout-ms'], MAX_TIMER_MS) ?? 5000;
  const bus = await connectNats(nats);
  try {
    const subject = subjectBuilders(values['subject-prefix']).cancelTask(runId);
    const request: CancelTask = {
      type: 'CancelTask',
      task_id: taskId,
      ...(values.reason === undefined ? {} : { reason: values.reason }),
    };
    await ask(bus, subject, request, timeoutMs, runId);
    io.out(`Cancelled ${taskId} of run ${runId}: it ends failed (CANCELLED) and the tasks that need it are skipped.\n`);
    return 0;
  } finally {
    await bus.close();
  }
}

async function ask(bus: Bus, subject: string, request: CancelTask, timeoutMs: number, runId: string): Promise<void> {
  let data: unknown;
  try {
    data = (await bus.request(subject, request, { timeoutMs })).data;
  } catch (error) {
    if (isSwitchyardError(error) && error.code === ErrorCodes.NO_RESPONDERS)
      throw new SwitchyardError(
        ErrorCodes.NO_RESPONDERS,
        `No live run ${runId} listens on ${subject}: it has ended, is not running, or runs without --nats (or with another --subject-prefix).`,
        { run_id: runId, subject },
      );
    throw error;
  }
  if (parseWith(TaskCancelAcceptedSchema, data, 'TaskCancelAccepted').ok) return;
  const refusal = ErrorReplySchema.safeParse(data);
  if (refusal.success)
    throw new SwitchyardError(
      isErrorCode(refusal.data.code) ? refusal.data.code : ErrorCodes.PROCESSING_ERROR,
      refusal.data.message,
      { run_id: runId, subject },
    );
  throw new SwitchyardError(
    ErrorCodes.PROCESSING_ERROR,
    `Run ${runId} answered on ${subject} with something other than TaskCancelAccepted or an Error.`,
    { run_id: runId, subject },
  );
}
