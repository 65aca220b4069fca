import { ref, watch } from 'vue';

const KEY = 'geovault.files.view';
export type ViewMode = 'list' | 'grid';

/** List or grid, remembered in this browser across reloads. */
export function useViewMode() {
  let initial: ViewMode = 'list';
  try {
    if (localStorage.getItem(KEY) === 'grid') initial = 'grid';
  } catch {
    // Storage blocked (private mode): the list it is.
  }
  const mode = ref<ViewMode>(initial);
  watch(mode, (now) => {
    try {
      localStorage.setItem(KEY, now);
    } catch {
      // Not remembered; the switch still works for this visit.
    }
  });
  return mode;
}
