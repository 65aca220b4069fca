import { describe, expect, it } from 'vitest';
import { AppError } from '../http/errors';
import type { PartialRecord } from './resumableRecords';
import { durableProgress, loadUploadState } from './uploadState';

const UPLOAD = '00000000-0000-4000-8000-000000000001';
const NODES = ['us-east', 'eu-west', 'asia'];

function recordAt(offset: number, state: PartialRecord['state'] = 'open'): PartialRecord {
  return { uploadId: UPLOAD, userId: 'u', length: 100, offset, state, meta: { holders: NODES } } as unknown as PartialRecord;
}

/** Holders as the coordinator reaches them: a record, none (404), or a failed call. */
function holdersAnswering(answers: Record<string, PartialRecord | undefined | Error>) {
  const asked: string[] = [];
  return {
    asked,
    get: async (node: string) => {
      asked.push(node);
      const answer = answers[node];
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

describe('where an upload stands across its holders', () => {
  it('names each holder that gave no record with why: down in the mesh, no record there, or a failed call', async () => {
    const holders = holdersAnswering({ 'us-east': recordAt(40), 'eu-west': new AppError('replication_failed', 'eu-west: socket hang up'), asia: undefined });
    const state = await loadUploadState({ self: 'us-east', allNodes: NODES, liveNodes: () => ['us-east', 'eu-west', 'asia'], replicas: 3, writeQuorum: 2, holders }, 'u', UPLOAD);
    expect([...state!.records.keys()]).toEqual(['us-east']);
    expect(state!.unreached?.get('eu-west')).toMatchObject({ reason: 'failed', error: expect.any(AppError) });
    expect(state!.unreached?.get('asia')).toEqual({ reason: 'no_record' });

    const down = holdersAnswering({ 'us-east': recordAt(40), 'eu-west': recordAt(40), asia: recordAt(40) });
    const seen = await loadUploadState({ self: 'us-east', allNodes: NODES, liveNodes: () => ['us-east', 'eu-west'], replicas: 3, writeQuorum: 2, holders: down }, 'u', UPLOAD);
    // A holder not alive in this node's view is not asked at all (a dead one would hold the PATCH up).
    expect(down.asked.sort()).toEqual(['eu-west', 'us-east']);
    expect([...seen!.unreached!]).toEqual([['asia', { reason: 'down' }]]);
    expect(seen!.offset).toBe(40);
  });

  it('counts a holder it cannot ask as possibly at the top: a PATCH still committing does not show', () => {
    const records = new Map([
      ['us-east', recordAt(48)],
      ['eu-west', recordAt(40)],
    ]);
    // Two answers: the W-th highest is 40 (us-east may be alone at 48).
    expect(durableProgress(records, 2).offset).toBe(40);
    // asia silent may hold 48 too: that PATCH may have been acknowledged.
    expect(durableProgress(records, 2, 1)).toMatchObject({ offset: 48, base: 'us-east', phase: 'open' });
    expect(durableProgress(new Map([['asia', recordAt(100, 'sealed')]]), 2, 1).phase).toBe('whole');
  });

  it('does not count a holder that answered it has no record as possibly at the top (its creation failed)', async () => {
    const answers = { 'us-east': recordAt(48), 'eu-west': recordAt(40) };
    const config = { self: 'us-east', allNodes: NODES, liveNodes: () => NODES, replicas: 3, writeQuorum: 2 };
    const none = await loadUploadState({ ...config, holders: holdersAnswering({ ...answers, asia: undefined }) }, 'u', UPLOAD);
    expect(none!.offset).toBe(40);
    const failing = await loadUploadState({ ...config, holders: holdersAnswering({ ...answers, asia: new Error('timeout') }) }, 'u', UPLOAD);
    expect(failing!.offset).toBe(48);
  });

  it('knows no upload when no holder has it', async () => {
    const holders = holdersAnswering({});
    expect(await loadUploadState({ self: 'us-east', allNodes: NODES, liveNodes: () => NODES, replicas: 3, writeQuorum: 2, holders }, 'u', UPLOAD)).toBeUndefined();
  });
});
