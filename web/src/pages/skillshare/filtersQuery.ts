/** Search filters ⇄ the page's query string, so that a search can be shared and Back works. */
import type { LocationQuery } from 'vue-router';
import type { TeacherFilters, TeacherSort } from '../../api/skillshare';

const SORTS: readonly TeacherSort[] = ['rating', 'rate', 'name'];

function one(value: LocationQuery[string]): string {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v : '';
}

function positive(text: string): number | null {
  const n = Number(text);
  return text !== '' && Number.isFinite(n) && n > 0 ? n : null;
}

export function filtersFromQuery(query: LocationQuery): TeacherFilters {
  const sort = one(query.sort) as TeacherSort;
  return {
    skill: one(query.skill),
    q: one(query.q),
    maxRate: positive(one(query.maxRate)),
    minRating: positive(one(query.minRating)),
    sort: SORTS.includes(sort) ? sort : 'rating',
  };
}

export function filtersToQuery(f: TeacherFilters): Record<string, string> {
  const query: Record<string, string> = {};
  if (f.skill) query.skill = f.skill;
  if (f.q.trim()) query.q = f.q.trim();
  if (f.maxRate !== null) query.maxRate = String(f.maxRate);
  if (f.minRating !== null) query.minRating = String(f.minRating);
  if (f.sort !== 'rating') query.sort = f.sort;
  return query;
}
