import { describe, expect, it } from 'vitest';
import { RunRouter, type RunInbox } from '../../src/actors/run-router.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { subjects as subjectBuilders } from '../../src/protocol/subjects.js';

const subjects = subjectBuilders();

function recording(log: string[], name: string): RunInbox {
  const note = (kind: string) => (m: { data: unknown }) => void log.push(`${name}:${kind}:${JSON.stringify(m.data)}`);
  return { result: note('result'), results: note('results'), placed: note('placed'), progress: note('progress') };
}

describe('RunRouter', () => {
  it('hands each message only to the runs whose requests it names, a batch once to each run in it', async () => {
    const bus = new InProcessBus();
    const router = new RunRouter(bus, subjects);
    const log: string[] = [];
    router.add('run-a', recording(log, 'a'));
    router.add('run-b', recording(log, 'b'));
    router.add('run-c', recording(log, 'c'));
    bus.publish(subjects.result('run-a_3_1'), { request_id: 'run-a_3_1' });
    bus.publish(subjects.placed('run-b_1_2'), { request_id: 'run-b_1_2', runtime_id: 'rt' });
    bus.publish(subjects.progress('run-c_0_1'), { type: 'AttemptProgress', request_id: 'run-c_0_1', percent: 50 });
    bus.publish(subjects.results('rt'), {
      results: [{ request_id: 'run-a_1_1' }, { request_id: 'run-b_2_1' }, { request_id: 'run-a_2_1' }],
    });
    // Nobody's: no run, or no request id at all.
    bus.publish(subjects.result('other_1_1'), { request_id: 'other_1_1' });
    bus.publish(subjects.results('rt'), { results: 'not a list' });
    await bus.flush();
    const batch = JSON.stringify({
      results: [{ request_id: 'run-a_1_1' }, { request_id: 'run-b_2_1' }, { request_id: 'run-a_2_1' }],
    });
    expect(log.sort()).toEqual(
      [
        `a:result:{"request_id":"run-a_3_1"}`,
        `b:placed:{"request_id":"run-b_1_2","runtime_id":"rt"}`,
        `c:progress:{"type":"AttemptProgress","request_id":"run-c_0_1","percent":50}`,
        `a:results:${batch}`,
        `b:results:${batch}`,
      ].sort(),
    );
    await bus.close();
  });

  it('hands a request id that two run ids could begin to both (each run checks its own ids), and stops after the run leaves', async () => {
    const bus = new InProcessBus();
    const router = new RunRouter(bus, subjects);
    const log: string[] = [];
    const short = router.add('a', recording(log, 'short'));
    router.add('a_64', recording(log, 'long'));
    bus.publish(subjects.result('a_64_1'), { request_id: 'a_64_1' });
    await bus.flush();
    expect(log.map((l) => l.split(':')[0]).sort()).toEqual(['long', 'short']);
    short.unsubscribe();
    log.length = 0;
    bus.publish(subjects.result('a_64_2'), { request_id: 'a_64_2' });
    await bus.flush();
    expect(log.map((l) => l.split(':')[0])).toEqual(['long']);
    router.close();
    await bus.close();
  });
});
