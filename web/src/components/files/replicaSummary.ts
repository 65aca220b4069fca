import type { ReplicaState } from '../../api/files';

/**
 * One short phrase for a row too narrow for the badges (phones): "3 replicas stored", or the
 * states that need attention first ("1 corrupt, 2 stored"). The badges say where each lives.
 */
export function replicaSummary(replicas: Record<string, ReplicaState>): string {
  const counts: Record<ReplicaState, number> = { corrupt: 0, pending: 0, stored: 0 };
  for (const state of Object.values(replicas)) counts[state] += 1;
  const total = counts.corrupt + counts.pending + counts.stored;
  if (total === 0) return 'no replica yet';
  if (counts.stored === total) return `${total} ${total === 1 ? 'replica' : 'replicas'} stored`;
  return (['corrupt', 'pending', 'stored'] as const)
    .filter((state) => counts[state] > 0)
    .map((state) => `${counts[state]} ${state}`)
    .join(', ');
}
