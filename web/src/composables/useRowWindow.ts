import { computed, onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

/** Below this many rows every row is drawn; above it only those near the viewport are. */
export const WINDOW_THRESHOLD = 500;
/** Rows drawn above and below the visible ones, so that arrows and fast scrolls find them there. */
const OVERSCAN = 30;

export interface RowWindow {
  start: number;
  end: number;
}

/**
 * Which rows of a list that scrolls with the page are near the viewport. Pure: the list's top
 * in the page, the viewport and an average row height in; a half-open range of indexes out.
 */
export function rowWindow(count: number, listTop: number, viewTop: number, viewHeight: number, rowHeight: number, overscan = OVERSCAN): RowWindow {
  if (count <= 0) return { start: 0, end: 0 };
  const h = Math.max(1, rowHeight);
  const first = Math.floor((viewTop - listTop) / h);
  const last = Math.ceil((viewTop + viewHeight - listTop) / h);
  const start = Math.min(count, Math.max(0, first - overscan));
  const end = Math.min(count, Math.max(start, last + overscan));
  return { start, end };
}

/**
 * A virtual window over the rows of a long folder (hundreds to thousands of items): spacers
 * stand in for the rows out of view, so the page keeps its height and scrollbar while the DOM
 * holds a few dozen rows. Heights are the average of the rows drawn, re-measured as they change.
 */
export function useRowWindow(count: Ref<number>, list: Ref<HTMLElement | null>) {
  const rowHeight = ref(44);
  const view = ref({ listTop: 0, top: 0, height: 800 });
  const active = computed(() => count.value > WINDOW_THRESHOLD);
  const range = computed<RowWindow>(() =>
    active.value ? rowWindow(count.value, view.value.listTop, view.value.top, view.value.height, rowHeight.value) : { start: 0, end: count.value },
  );
  let frame = 0;

  function measure(): void {
    frame = 0;
    const el = list.value;
    if (!el) return;
    const rows = el.querySelectorAll<HTMLElement>('[data-item-id]');
    if (rows.length > 0) {
      const first = rows[0]!.getBoundingClientRect();
      const last = rows[rows.length - 1]!.getBoundingClientRect();
      const average = (last.bottom - first.top) / rows.length;
      if (average > 0 && Math.abs(average - rowHeight.value) > 0.5) rowHeight.value = average;
    }
    view.value = { listTop: el.getBoundingClientRect().top + window.scrollY, top: window.scrollY, height: window.innerHeight };
  }
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(measure);
  };

  onMounted(() => {
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule, { passive: true });
    schedule();
  });
  onBeforeUnmount(() => {
    window.removeEventListener('scroll', schedule);
    window.removeEventListener('resize', schedule);
    if (frame) cancelAnimationFrame(frame);
  });

  /** Brings row `index` into the drawn range (before focusing a row far away: End, a search hit). */
  function reveal(index: number): void {
    if (!active.value || (index >= range.value.start && index < range.value.end)) return;
    window.scrollTo({ top: view.value.listTop + index * rowHeight.value - window.innerHeight / 2 });
    measure();
  }

  const before = computed(() => range.value.start * rowHeight.value);
  const after = computed(() => (count.value - range.value.end) * rowHeight.value);
  return { active, range, before, after, reveal, remeasure: schedule };
}
