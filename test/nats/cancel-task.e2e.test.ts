import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime } from '../../src/index.js';
import { natsBus } from '../../src/nats.js';
import { cliAsync } from '../helpers/cli.js';
import { planWith, TEST_AGENTS } from '../helpers/fixtures.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';

const quiet = pino({ level: 'silent' });

let server: TestNatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
});

describe('switchyard cancel-task over a real nats-server', () => {
  it('cancels one task of a run from its own NATS connection, as another process would: TASK_NOT_FOUND for an unknown task, NO_RESPONDERS once the run ended', async () => {
    const bus = await natsBus({ servers: server.url, reconnectTimeWait: 50 });
    const rt = await createRuntime({ agents: [TEST_AGENTS], bus, logger: quiet });
    try {
      const run = rt.submit(planWith({ task_3: '[until-cancelled]' }), { runId: 'ct1' });
      const sent: string[] = [];
      run.on('dispatch', (m) => sent.push(m.output.content.dispatch.task_id));
      await vi.waitFor(() => expect(sent).toContain('task_3'), { timeout: 10_000 });

      const unknown = await cliAsync('cancel-task', 'ct1', 'task_99', '--nats', server.url);
      expect(unknown.code).not.toBe(0);
      expect(unknown.err).toContain('TASK_NOT_FOUND');

      const done = await cliAsync('cancel-task', 'ct1', 'task_3', '--reason', 'from the CLI', '--nats', server.url);
      expect(done).toMatchObject({ code: 0, err: '' });
      expect(done.out).toContain('Cancelled task_3 of run ct1');
      const result = await run.result;
      expect(result.status).toBe('partial');
      expect(result.task_results.task_3?.status).toBe('failed');
      expect(result.task_results.task_5?.status).toBe('skipped');
      expect(run.state().failure_log[0]).toMatchObject({
        task_id: 'task_3',
        error_code: 'CANCELLED',
        error_message: 'from the CLI',
      });

      const late = await cliAsync('cancel-task', 'ct1', 'task_3', '--nats', server.url);
      expect(late.err).toContain('NO_RESPONDERS');
    } finally {
      await rt.close({ cancel: true });
      await bus.close();
    }
  });

  it('refuses to run without a server to reach the run (USAGE_ERROR)', async () => {
    const saved = process.env.NATS_URL;
    delete process.env.NATS_URL;
    try {
      const r = await cliAsync('cancel-task', 'ct1', 'task_3');
      expect(r.code).not.toBe(0);
      expect(r.err).toContain('USAGE_ERROR');
    } finally {
      if (saved !== undefined) process.env.NATS_URL = saved;
    }
  });
});
