// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { CourseView, SlotView } from '../../api/skillshare';
import SlotPicker from './SlotPicker.vue';
import { timeOf, whenOf } from './slotDays';

const course = (id: string, title: string, capacity: number): CourseView => ({
  id,
  teacherId: 't1',
  title,
  description: '',
  skill: 'spanish',
  level: 'all',
  durationMinutes: 60,
  price: 30,
  currency: 'USD',
  capacity,
  teacherName: 'Sofía',
});
const courses = [course('private', 'Conversation', 1), course('group', 'Grammar club', 6)];
const slots: SlotView[] = [
  { courseId: 'private', start: '2026-03-10T09:00:00Z', end: '2026-03-10T10:00:00Z', seatsLeft: 1 },
  { courseId: 'group', start: '2026-03-10T11:00:00Z', end: '2026-03-10T12:00:00Z', seatsLeft: 4 },
  { courseId: 'private', start: '2026-03-11T09:00:00Z', end: '2026-03-11T10:00:00Z', seatsLeft: 1 },
];

describe('SlotPicker', () => {
  it('shows the first day with buttons named "Book <title> at <time>" and seats for group sessions', () => {
    const wrapper = mount(SlotPicker, { props: { slots, courses, timeZone: 'UTC' } });
    const names = wrapper.findAll('.times button').map((b) => b.attributes('aria-label'));
    expect(names).toEqual([
      `Book Conversation at ${whenOf(new Date(slots[0]!.start), 'UTC')}`,
      `Book Grammar club at ${whenOf(new Date(slots[1]!.start), 'UTC')}`,
    ]);
    const [privateSlot, group] = wrapper.findAll('.times button');
    // Visible text is the time, part of the name; course and seats are the description.
    expect(group!.text()).toBe(timeOf(new Date(slots[1]!.start), 'UTC'));
    expect(wrapper.get(`#${group!.attributes('aria-describedby')}`).text()).toBe('Grammar club, 4 seats left');
    expect(wrapper.get(`#${privateSlot!.attributes('aria-describedby')}`).text()).toBe('Conversation');
  });

  it('switches day with the day buttons and filters by course', async () => {
    const wrapper = mount(SlotPicker, { props: { slots, courses, timeZone: 'UTC' } });
    const days = wrapper.findAll('.days button');
    expect(days).toHaveLength(2);
    expect(days[0]!.attributes('aria-pressed')).toBe('true');
    await days[1]!.trigger('click');
    expect(wrapper.findAll('.times button')).toHaveLength(1);
    await wrapper.get('select#slot-course').setValue('group');
    expect(wrapper.findAll('.days button')).toHaveLength(1);
    expect(wrapper.findAll('.times button').map((b) => b.attributes('aria-label'))).toEqual([
      `Book Grammar club at ${whenOf(new Date(slots[1]!.start), 'UTC')}`,
    ]);
  });

  it('emits the picked slot and says so when there is nothing to book', async () => {
    const wrapper = mount(SlotPicker, { props: { slots, courses, timeZone: 'UTC' } });
    await wrapper.findAll('.times button')[1]!.trigger('click');
    expect(wrapper.emitted('pick')![0]![0]).toEqual(slots[1]);
    const empty = mount(SlotPicker, { props: { slots: [], courses, timeZone: 'UTC' } });
    expect(empty.text()).toContain('No open slots');
  });
});
