import { describe, expect, it } from 'vitest';
import { compareHlc } from '../index/hlc';
import { pickRandom, seededRandom } from '../time/random';
import type { TreeOp } from './treeOp';
import { TreeReplica } from './treeReplica';
import { op, referenceTree, ROOT, snapshot, stamp, structuralProblems, TRASH } from './testSupport';

function replica(): TreeReplica {
  return new TreeReplica({ rootId: ROOT, trashId: TRASH });
}

/** Two regions that made `local1` and `local2` while cut off, then exchange them. */
function partitioned(base: TreeOp[], local1: TreeOp[], local2: TreeOp[]): [TreeReplica, TreeReplica] {
  const r1 = replica();
  const r2 = replica();
  r1.applyBatch(base);
  r2.applyBatch(base);
  for (const o of local1) r1.apply(o);
  for (const o of local2) r2.apply(o);
  for (const o of local2) r1.apply(o);
  for (const o of local1) r2.apply(o);
  expect(snapshot(r1)).toEqual(snapshot(r2));
  expect(structuralProblems(r1)).toEqual([]);
  return [r1, r2];
}

const AB = [op(1, 'us-east', 'A', ROOT), op(2, 'us-east', 'B', ROOT)];

describe('the paper\'s concurrent moves', () => {
  it('A under B in one region, B under A in another: the earlier move wins, both folders survive, no cycle', () => {
    const [r1] = partitioned(AB, [op(10, 'us-east', 'A', 'B')], [op(11, 'asia', 'B', 'A')]);
    expect(r1.item('A')!.parentId).toBe('B');
    expect(r1.item('B')!.parentId).toBe(ROOT);
    expect(r1.place('A')).toBe('root');
    // The losing move is kept in the log as a no-op.
    expect(r1.logLength).toBe(4);

    // The other way round in time, the other move wins.
    const [r2] = partitioned(AB, [op(11, 'us-east', 'A', 'B')], [op(10, 'asia', 'B', 'A')]);
    expect(r2.item('B')!.parentId).toBe('A');
    expect(r2.item('A')!.parentId).toBe(ROOT);
  });

  it('the cycle can be longer than two: A→B, B→C, C→A made in three regions keeps two of them', () => {
    const base = [...AB, op(3, 'us-east', 'C', ROOT)];
    const moves = [op(10, 'us-east', 'A', 'B'), op(11, 'eu-west', 'B', 'C'), op(12, 'asia', 'C', 'A')];
    const r = replica();
    r.applyBatch(base);
    for (const m of moves.slice().reverse()) r.apply(m);
    expect(r.item('A')!.parentId).toBe('B');
    expect(r.item('B')!.parentId).toBe('C');
    expect(r.item('C')!.parentId).toBe(ROOT);
    expect(structuralProblems(r)).toEqual([]);
  });

  it('the same item moved to two different folders: the later move wins in every region', () => {
    const base = [...AB, op(3, 'us-east', 'X', ROOT, 'x.txt', 'file')];
    const m1 = op(10, 'us-east', 'X', 'A', 'x.txt', 'file');
    const m2 = op(10, 'asia', 'X', 'B', 'x.txt', 'file');
    // Same wall time and counter: the node id breaks the tie ("us-east" > "asia").
    const [r] = partitioned(base, [m1], [m2]);
    expect(r.item('X')!.parentId).toBe('A');
    expect(r.item('X')!.placedBy.origin).toBe('us-east');
    const [s] = partitioned(base, [op(12, 'us-east', 'X', 'A', 'x.txt', 'file')], [op(13, 'asia', 'X', 'B', 'x.txt', 'file')]);
    expect(s.item('X')!.parentId).toBe('B');
    // The item exists once, not duplicated in both folders.
    expect(s.children('A').map((c) => c.id)).toEqual([]);
    expect(s.children('B').map((c) => c.id)).toEqual(['X']);
  });

  it('move against delete: whichever is later decides, and the item is never lost', () => {
    const base = [...AB, op(3, 'us-east', 'X', ROOT, 'x', 'file')];
    const [moveFirst] = partitioned(base, [op(10, 'us-east', 'X', 'A', 'x', 'file')], [op(11, 'asia', 'X', TRASH, 'x', 'file')]);
    expect(moveFirst.item('X')!.parentId).toBe(TRASH);
    expect(moveFirst.item('X')!.previousParentId).toBe('A');
    const [deleteFirst] = partitioned(base, [op(11, 'us-east', 'X', 'A', 'x', 'file')], [op(10, 'asia', 'X', TRASH, 'x', 'file')]);
    expect(deleteFirst.item('X')!.parentId).toBe('A');
    expect(deleteFirst.place('X')).toBe('root');
  });

  it('a file moved into a folder that another region deleted goes to the trash with it, not away', () => {
    const base = [...AB, op(3, 'us-east', 'X', ROOT, 'x', 'file')];
    const [r] = partitioned(base, [op(10, 'us-east', 'B', TRASH)], [op(11, 'asia', 'X', 'B', 'x', 'file')]);
    expect(r.item('X')!.parentId).toBe('B');
    expect(r.place('X')).toBe('trash');
    expect(r.ancestors('X')).toEqual([TRASH, 'B']);
  });

  it('rename against rename: the later name wins everywhere', () => {
    const base = [op(1, 'us-east', 'X', ROOT, 'draft.txt', 'file')];
    const [r] = partitioned(base, [op(10, 'us-east', 'X', ROOT, 'final.txt', 'file')], [op(11, 'asia', 'X', ROOT, 'v2.txt', 'file')]);
    expect(r.item('X')!.name).toBe('v2.txt');
    expect(r.item('X')!.placedBy.origin).toBe('asia');
  });

  it('rename in one region and move in another: the later op also sets the name', () => {
    const base = [...AB, op(3, 'us-east', 'X', ROOT, 'a.txt', 'file')];
    const [r] = partitioned(base, [op(10, 'us-east', 'X', ROOT, 'b.txt', 'file')], [op(11, 'asia', 'X', 'A', 'a.txt', 'file')]);
    // An op carries the whole placement (parent and name), as in the paper's metadata.
    expect(r.item('X')).toMatchObject({ parentId: 'A', name: 'a.txt' });
  });

  it('two regions create the same name in one folder: both items are kept, the later shown as a conflict', () => {
    const [r] = partitioned(
      [],
      [op(10, 'us-east', 'X1', ROOT, 'report.pdf', 'file')],
      [op(11, 'asia', 'X2', ROOT, 'report.pdf', 'file')],
    );
    const names = r.displayNames(ROOT);
    expect(names.get('X1')).toBe('report.pdf');
    expect(names.get('X2')).toBe('report (conflict asia).pdf');
  });
});

describe('undo, do, redo', () => {
  it('a move that arrives before its item was created is placed once the create arrives', () => {
    const r = replica();
    r.apply(op(5, 'asia', 'X', 'A', 'x', 'file'));
    expect(r.place('X')).toBe('detached');
    r.apply(op(3, 'us-east', 'X', ROOT, 'x', 'file'));
    r.apply(op(1, 'us-east', 'A', ROOT));
    expect(r.item('X')).toMatchObject({ parentId: 'A', previousParentId: ROOT });
    expect(r.place('X')).toBe('root');
  });

  it('a late op can make a skipped op valid again, which is why skipped ops stay in the log', () => {
    const r = replica();
    r.applyBatch([...AB, op(4, 'us-east', 'B', 'A'), op(6, 'us-east', 'A', 'B')]);
    // B is under A, so A under B was skipped.
    expect(r.item('B')!.parentId).toBe('A');
    expect(r.item('A')!.parentId).toBe(ROOT);
    // Late: A went under B at time 3. Now B under A (4) would be a cycle, and A under B (6) is fine.
    const report = r.apply(op(3, 'asia', 'A', 'B'));
    expect(report).toEqual({ added: 1, duplicates: 0, stale: 0, redone: 2 });
    expect(r.item('A')!.parentId).toBe('B');
    expect(r.item('B')!.parentId).toBe(ROOT);
    expect(r.item('A')!.placedBy.hlc).toEqual(stamp(6, 'us-east'));
  });

  it('only the ops newer than a late arrival are undone and redone', () => {
    const r = replica();
    const ops = Array.from({ length: 100 }, (_, i) => op(10 + i * 10, 'us-east', `F${i}`, ROOT));
    r.applyBatch(ops);
    const late = op(10 + 89 * 10 + 5, 'asia', 'L', 'F3');
    expect(r.apply(late).redone).toBe(10);
    expect(r.apply(op(5_000, 'asia', 'M', ROOT)).redone).toBe(0);
  });

  it('a batch of late ops costs one pass over the newer ops', () => {
    const r = replica();
    r.applyBatch(Array.from({ length: 50 }, (_, i) => op(100 + i, 'us-east', `F${i}`, ROOT)));
    const late = Array.from({ length: 20 }, (_, i) => op(120 + i, 'asia', `L${i}`, 'F0'));
    expect(r.applyBatch(late)).toEqual({ added: 20, duplicates: 0, stale: 0, redone: 30 });
  });

  it('ignores an op it already has, alone or twice in one batch', () => {
    const r = replica();
    const a = op(1, 'us-east', 'A', ROOT);
    r.apply(a);
    const before = snapshot(r);
    expect(r.apply({ ...a })).toEqual({ added: 0, duplicates: 1, stale: 0, redone: 0 });
    const b = op(2, 'us-east', 'B', ROOT);
    expect(r.applyBatch([b, { ...b }])).toMatchObject({ added: 1, duplicates: 1 });
    expect(r.logLength).toBe(2);
    expect(snapshot(r).slice(0, 1)).toEqual(before);
    expect(snapshot(r).map((item) => item.id)).toEqual(['A', 'B']);
  });

  it('every order of the same ops gives the same tree as the timestamp order', () => {
    const ops: TreeOp[] = [
      op(1, 'us-east', 'A', ROOT),
      op(2, 'asia', 'B', ROOT),
      op(3, 'eu-west', 'A', 'B'),
      op(3, 'asia', 'B', 'A'),
      op(4, 'us-east', 'X', 'A', 'x.txt', 'file'),
      op(5, 'eu-west', 'B', TRASH),
      op(7, 'us-east', 'A', null),
    ];
    const expected = referenceTree(ops).tree;
    expect(expected.length).toBe(3);
    let permutations = 0;
    const random = seededRandom(12);
    for (const order of permute(ops)) {
      const r = replica();
      // Alternate single applies and batches, so both paths get every order.
      if (permutations % 2 === 0) for (const o of order) r.apply(o);
      else {
        const cut = Math.floor(random() * order.length);
        r.applyBatch(order.slice(0, cut));
        r.applyBatch(order.slice(cut));
      }
      expect(snapshot(r)).toEqual(expected);
      permutations++;
    }
    expect(permutations).toBe(5_040);
  });
});

describe('random small histories in random arrival orders', () => {
  // Ops here need not be causally sensible (a move may name a folder created later, or move
  // root): the replica must still end exactly where the paper's definition does.
  const ITEMS: [string, 'file' | 'folder'][] = [['A', 'folder'], ['B', 'folder'], ['C', 'folder'], ['D', 'folder'], ['f', 'file'], ['g', 'file']];
  const PARENTS = [ROOT, TRASH, null, 'A', 'B', 'C', 'D', 'f'];
  const NODES = ['asia', 'eu-west', 'us-east'];

  function history(random: () => number, length: number): TreeOp[] {
    const walls = new Set<string>();
    const ops: TreeOp[] = [];
    while (ops.length < length) {
      const [itemId, kind] = random() < 0.03 ? [ROOT, 'folder' as const] : ITEMS[Math.floor(random() * ITEMS.length)]!;
      const parent = PARENTS[Math.floor(random() * PARENTS.length)]!;
      const node = NODES[Math.floor(random() * NODES.length)]!;
      // Few distinct wall times: ties broken by node are common.
      const wall = 1 + Math.floor(random() * length);
      if (walls.has(`${wall}/${node}`)) continue;
      walls.add(`${wall}/${node}`);
      ops.push(op(wall, node, itemId, parent, `${itemId}${Math.floor(random() * 3)}`, kind));
    }
    return ops;
  }

  it('match the reference, with duplicates, batches and compaction along the way', () => {
    const random = seededRandom(2021);
    let compactions = 0;
    for (let trial = 0; trial < 3_000; trial++) {
      const ops = history(random, 4 + Math.floor(random() * 12));
      const arrival = pickRandom(ops, ops.length, random);
      const r = replica();
      const delivered = new Set<TreeOp>();
      let i = 0;
      while (i < arrival.length) {
        const size = 1 + Math.floor(random() * 3);
        const batch = arrival.slice(i, i + size);
        if (random() < 0.2 && i > 0) batch.push(arrival[Math.floor(random() * i)]!);
        r.applyBatch(batch);
        for (const o of batch) delivered.add(o);
        i += size;
        // Compact at the newest point below everything still to come, as a caller would.
        if (random() < 0.3) {
          const pending = ops.filter((o) => !delivered.has(o)).map((o) => o.hlc);
          const stable = [...delivered]
            .map((o) => o.hlc)
            .filter((h) => pending.every((p) => compareHlc(h, p) < 0))
            .sort(compareHlc)
            .pop();
          if (stable && r.compact(stable) > 0) compactions++;
        }
      }
      const expected = referenceTree(ops).tree;
      expect(snapshot(r), `trial ${trial}`).toEqual(expected);
    }
    expect(compactions).toBeGreaterThan(500);
  });
});

describe('rules every replica applies the same way', () => {
  it('root and trash never move, nothing goes under itself or under a file', () => {
    const r = replica();
    r.applyBatch([op(1, 'us-east', 'F', ROOT, 'f.txt', 'file'), op(2, 'us-east', 'A', ROOT)]);
    expect(r.moveRefusal(ROOT, 'A')).toBe('fixed_item');
    expect(r.moveRefusal(TRASH, 'A')).toBe('fixed_item');
    expect(r.moveRefusal('A', 'A')).toBe('into_itself');
    expect(r.moveRefusal('A', 'F')).toBe('parent_is_file');
    expect(r.moveRefusal('F', 'A')).toBeNull();
    r.applyBatch([op(3, 'asia', ROOT, 'A'), op(4, 'asia', TRASH, 'A'), op(5, 'asia', 'A', 'A'), op(6, 'asia', 'A', 'F')]);
    expect(r.item(ROOT)).toBeUndefined();
    expect(r.item(TRASH)).toBeUndefined();
    expect(r.item('A')!.parentId).toBe(ROOT);
    expect(r.logLength).toBe(6);
  });

  it('a purged folder takes what is under it along, unless a later move took it out', () => {
    const r = replica();
    r.applyBatch([
      op(1, 'us-east', 'A', ROOT),
      op(2, 'us-east', 'X', 'A', 'x', 'file'),
      op(3, 'us-east', 'Y', 'A', 'y', 'file'),
      op(4, 'us-east', 'A', TRASH),
      op(6, 'us-east', 'A', null),
    ]);
    r.apply(op(5, 'asia', 'Y', ROOT, 'y', 'file'));
    expect(r.place('A')).toBe('purged');
    expect(r.place('X')).toBe('purged');
    expect(r.place('Y')).toBe('root');
    expect(r.children(TRASH)).toEqual([]);
  });

  it('remembers where an item was before it went to the trash, through renames', () => {
    const r = replica();
    r.applyBatch([op(1, 'us-east', 'A', ROOT), op(2, 'us-east', 'X', 'A', 'x', 'file'), op(3, 'us-east', 'X', TRASH, 'x', 'file')]);
    expect(r.item('X')!.previousParentId).toBe('A');
    r.apply(op(4, 'us-east', 'X', TRASH, 'x2', 'file'));
    expect(r.item('X')!.previousParentId).toBe('A');
  });
});

describe('compaction', () => {
  it('drops ops at or before the stable point, keeps the tree, and still places later late ops', () => {
    const compacted = replica();
    const full = replica();
    const early = [...AB, op(3, 'us-east', 'C', ROOT), op(4, 'us-east', 'A', 'B')];
    compacted.applyBatch(early);
    full.applyBatch(early);
    const before = snapshot(compacted);
    expect(compacted.compact(stamp(3, 'zzz'))).toBe(3);
    expect(compacted.logLength).toBe(1);
    expect(snapshot(compacted)).toEqual(before);
    // Copies of compacted ops come back from anti-entropy: ignored.
    expect(compacted.apply(op(2, 'us-east', 'B', ROOT))).toEqual({ added: 0, duplicates: 0, stale: 1, redone: 0 });
    // Ops after the stable point still go through undo, do, redo over what is left.
    const late = [op(6, 'asia', 'B', 'A'), op(5, 'eu-west', 'A', 'C')];
    for (const o of late) {
      compacted.apply(o);
      full.apply(o);
    }
    expect(snapshot(compacted)).toEqual(snapshot(full));
    expect(compacted.item('B')!.parentId).toBe('A');
    expect(compacted.compact(stamp(2, 'a'))).toBe(0);
    expect(compacted.stableHlc).toEqual(stamp(3, 'zzz'));
    expect(compacted.compact(stamp(100, 'a'))).toBe(3);
    expect(compacted.logLength).toBe(0);
  });
});

function* permute<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield items.slice();
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permute(rest)) yield [items[i]!, ...tail];
  }
}
