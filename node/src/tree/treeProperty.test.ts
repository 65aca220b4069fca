import { describe, expect, it } from 'vitest';
import { referenceTree, snapshot, structuralProblems } from './testSupport';
import { CALM_MS, simulateTree, SIM_ROOT, SIM_TRASH, type TreeSimOptions } from './treeSimulation';

// TREE_PROPERTY_OPS=200000 (and TREE_PROPERTY_SEED) for a longer run; the default keeps the suite fast.
const OPS = Number(process.env.TREE_PROPERTY_OPS ?? 3_000);
const SEED = Number(process.env.TREE_PROPERTY_SEED ?? 20_211_006);
const VERBOSE = process.env.TREE_PROPERTY_OPS !== undefined || process.env.TREE_PROPERTY_VERBOSE !== undefined;

describe('replicated tree under partitions, delays, loss, duplicates and reordering', () => {
  const cases: [string, TreeSimOptions][] = [
    ['3 regions', { seed: SEED, regions: 3, ops: OPS, opIntervalMs: 5, maxPartitionMs: 2_000 }],
    ['5 regions', { seed: SEED + 1, regions: 5, ops: OPS, opIntervalMs: 5, maxPartitionMs: 2_000 }],
  ];

  it.each(cases)('%s: every region ends with the same acyclic tree, holding every item', (_, options) => {
    const result = simulateTree(options);
    const { stats, replicas } = result;
    if (VERBOSE) {
      const applications = stats.applied;
      console.log(
        `${options.regions} regions, ${options.ops} ops: ${applications} applications, ` +
          `${Math.round((applications / stats.treeMs) * 1000)} ops/s in the trees (${stats.treeMs.toFixed(0)} ms), ` +
          `${Math.round((applications / result.realMs) * 1000)} ops/s with the simulation (${result.realMs.toFixed(0)} ms), ` +
          `${stats.redone} redone, ` +
          `${stats.partitions} partitions, peak log ${stats.peakLog} (${stats.peakLogAfterCompaction} after compaction), ` +
          `${result.fakeMs} fake ms`,
      );
    }

    expect(result.converged).toBe(true);
    // The run must have produced the situations the algorithm exists for.
    expect(stats.partitions).toBeGreaterThan(0);
    expect(stats.redone).toBeGreaterThan(0);
    expect(stats.duplicateFrames).toBeGreaterThan(0);
    expect(stats.misfiled).toBe(0);
    expect(stats.readded).toBe(0);

    // Same tree everywhere, and the one the paper's definition gives for the same ops.
    const reference = referenceTree(result.ops, SIM_ROOT, SIM_TRASH);
    if (VERBOSE) console.log('skipped moves', reference.skipped);
    expect(reference.skipped.into_descendant).toBeGreaterThan(0);
    for (const { tree } of replicas) expect(snapshot(tree)).toEqual(reference.tree);

    // Acyclic, every created item still there: under root or trash unless it was purged.
    const tree = replicas[0]!.tree;
    expect(structuralProblems(tree)).toEqual([]);
    const places = { root: 0, trash: 0, purged: 0, detached: 0, unknown: 0 };
    for (const id of result.created) places[tree.place(id)]++;
    expect(places.unknown).toBe(0);
    expect(places.detached).toBe(0);
    expect(places.root).toBeGreaterThan(0);
    expect(places.trash).toBeGreaterThan(0);
    expect(places.purged).toBeGreaterThan(0);
    expect(tree.itemCount).toBe(result.created.length);

    // Concurrent same-name creations happened and every folder still shows distinct names.
    let conflicts = 0;
    for (const folder of [SIM_ROOT, SIM_TRASH, ...result.created]) {
      const shown = [...tree.displayNames(folder).values()];
      expect(new Set(shown).size).toBe(shown.length);
      conflicts += shown.filter((name) => name.includes(' (conflict ')).length;
    }
    expect(conflicts).toBeGreaterThan(0);

    // Compaction kept the log bounded during the run and emptied it once everything was stable.
    expect(stats.compacted).toBeGreaterThan(0);
    // Bounded by what can pile up while a partition lasts plus a few gossip rounds, not by the
    // number of ops: a longer run (TREE_PROPERTY_OPS) must stay under the same bound.
    const opsPerPartitionAndCalm = (options.maxPartitionMs! + CALM_MS) / options.opIntervalMs!;
    expect(stats.peakLogAfterCompaction).toBeLessThan(opsPerPartitionAndCalm);
    for (const { tree } of replicas) expect(tree.logLength).toBe(0);
  });
});
