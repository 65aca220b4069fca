import type { Fact } from '../gossip/frames';

/** A row of the facts table (value: JSON text, NULL for a tombstone). */
export interface FactRow {
  key: string;
  origin: string;
  seq: number;
  wall: number;
  counter: number;
  node: string;
  value: string | null;
}

export const FACT_COLUMNS = 'key, origin, seq, wall, counter, node, value';

export function toFact(row: FactRow): Fact {
  return {
    origin: row.origin,
    seq: row.seq,
    key: row.key,
    value: row.value === null ? null : (JSON.parse(row.value) as Exclude<Fact['value'], null>),
    version: { wall: row.wall, counter: row.counter, node: row.node },
  };
}
