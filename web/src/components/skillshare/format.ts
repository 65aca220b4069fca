/** Small wording helpers shared by the SkillShare screens. */
import type { TeacherView } from '../../api/skillshare';

export function ratingText(t: Pick<TeacherView, 'rating' | 'ratingCount'>): string {
  if (t.rating === null) return 'New teacher (no reviews yet)';
  return `★ ${t.rating.toFixed(1)} (${t.ratingCount} review${t.ratingCount === 1 ? '' : 's'})`;
}

export function priceText(price: number, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(price);
}

export function seatsText(seatsLeft: number, capacity: number): string | null {
  if (capacity <= 1) return null;
  return seatsLeft === 1 ? '1 seat left' : `${seatsLeft} seats left`;
}
