import { computed, ref, type Ref } from 'vue';

/**
 * Multi-select as file managers do it (click, shift-click, ctrl/cmd-click, arrows, shift+arrows,
 * ctrl+A). The rules are pure functions over an ordered list of ids so that they can be tested
 * without a DOM; useSelection() only keeps the state reactive.
 */
export interface SelectionState {
  selected: ReadonlySet<string>;
  /** Where a shift-range starts: the last item clicked or moved to without shift. */
  anchor: string | null;
  /** The item with the keyboard focus (the roving tabindex). */
  focus: string | null;
}

export const emptySelection = (): SelectionState => ({ selected: new Set(), anchor: null, focus: null });

export interface Modifiers {
  shift?: boolean;
  /** Ctrl on Windows and Linux, Cmd on macOS. */
  toggle?: boolean;
}

function range(ids: readonly string[], from: string | null, to: string): string[] {
  const end = ids.indexOf(to);
  const start = from === null ? -1 : ids.indexOf(from);
  if (end < 0) return [];
  if (start < 0) return [to];
  const [lo, hi] = start <= end ? [start, end] : [end, start];
  return ids.slice(lo, hi + 1);
}

/** A pointer click on `id`. */
export function clickItem(state: SelectionState, ids: readonly string[], id: string, mods: Modifiers = {}): SelectionState {
  if (mods.shift) {
    const anchor = state.anchor ?? id;
    const span = range(ids, anchor, id);
    // Ctrl+shift adds the range to what was selected; shift alone replaces it.
    const selected = new Set(mods.toggle ? [...state.selected, ...span] : span);
    return { selected, anchor, focus: id };
  }
  if (mods.toggle) {
    const selected = new Set(state.selected);
    if (selected.has(id)) selected.delete(id);
    else selected.add(id);
    return { selected, anchor: id, focus: id };
  }
  return { selected: new Set([id]), anchor: id, focus: id };
}

/** Space on the focused item: flips it, as ctrl-click would. */
export function toggleFocused(state: SelectionState): SelectionState {
  if (state.focus === null) return state;
  const selected = new Set(state.selected);
  if (selected.has(state.focus)) selected.delete(state.focus);
  else selected.add(state.focus);
  return { selected, anchor: state.focus, focus: state.focus };
}

export type Step = number | 'first' | 'last';

/**
 * Moves the focus by `step` (±1 for a row, ±columns in a grid of tiles, or to an end).
 * Plain: the focused item alone is selected. Shift: the range from the anchor is.
 * Ctrl: only the focus moves, so that space can add items far apart.
 */
export function moveFocus(state: SelectionState, ids: readonly string[], step: Step, mods: Modifiers = {}): SelectionState {
  if (ids.length === 0) return state;
  const current = state.focus === null ? -1 : ids.indexOf(state.focus);
  let next: number;
  if (step === 'first') next = 0;
  else if (step === 'last') next = ids.length - 1;
  else if (current < 0) next = step > 0 ? 0 : ids.length - 1;
  else next = Math.min(ids.length - 1, Math.max(0, current + step));
  const focus = ids[next]!;
  if (mods.shift) {
    const anchor = state.anchor ?? state.focus ?? focus;
    return { selected: new Set(range(ids, anchor, focus)), anchor, focus };
  }
  if (mods.toggle) return { ...state, focus };
  return { selected: new Set([focus]), anchor: focus, focus };
}

export function selectAll(state: SelectionState, ids: readonly string[]): SelectionState {
  return { selected: new Set(ids), anchor: state.anchor, focus: state.focus ?? ids[0] ?? null };
}

/** Escape: nothing selected, the focus stays where it is. */
export function clearSelection(state: SelectionState): SelectionState {
  return { selected: new Set(), anchor: state.focus, focus: state.focus };
}

/**
 * After the list changed (a page loaded, items moved away): forget ids that are gone. A focus
 * that is gone moves to the item now at its place, so that after a delete the next row has it.
 */
export function pruneSelection(state: SelectionState, before: readonly string[], ids: readonly string[]): SelectionState {
  const present = new Set(ids);
  const selected = new Set([...state.selected].filter((id) => present.has(id)));
  let focus = state.focus;
  if (focus !== null && !present.has(focus)) {
    const survivors = before.slice(before.indexOf(focus) + 1).find((id) => present.has(id));
    focus = survivors ?? ids[ids.length - 1] ?? null;
  }
  const anchor = state.anchor !== null && present.has(state.anchor) ? state.anchor : focus;
  return { selected, anchor, focus };
}

/** What a key press on the list asks for; `null` when the list does not handle that key. */
export type KeyCommand =
  | { kind: 'select'; state: SelectionState }
  | { kind: 'open' }
  | { kind: 'delete' }
  | { kind: 'rename' }
  | { kind: 'menu' };

export interface KeyPress {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
}

/**
 * The keyboard rules of the file list. `columns` is 1 for the table; in the tile grid, up and
 * down jump a whole row of tiles and left/right move by one.
 */
export function keyCommand(state: SelectionState, ids: readonly string[], press: KeyPress, columns = 1): KeyCommand | null {
  const mods: Modifiers = { shift: press.shiftKey, toggle: press.ctrlKey || press.metaKey };
  const move = (step: Step): KeyCommand => ({ kind: 'select', state: moveFocus(state, ids, step, mods) });
  switch (press.key) {
    case 'ArrowDown':
      return move(columns);
    case 'ArrowUp':
      return move(-columns);
    case 'ArrowRight':
      return columns > 1 ? move(1) : null;
    case 'ArrowLeft':
      return columns > 1 ? move(-1) : null;
    case 'Home':
      return move('first');
    case 'End':
      return move('last');
    case ' ':
      return { kind: 'select', state: toggleFocused(state) };
    case 'Enter':
      return state.focus === null ? null : { kind: 'open' };
    case 'Escape':
      return state.selected.size > 0 ? { kind: 'select', state: clearSelection(state) } : null;
    case 'Delete':
      return state.selected.size > 0 || state.focus !== null ? { kind: 'delete' } : null;
    case 'F2':
      return state.focus === null ? null : { kind: 'rename' };
    case 'ContextMenu':
      return state.focus === null ? null : { kind: 'menu' };
    case 'F10':
      return press.shiftKey && state.focus !== null ? { kind: 'menu' } : null;
    case 'a':
    case 'A':
      return mods.toggle ? { kind: 'select', state: selectAll(state, ids) } : null;
    default:
      return null;
  }
}

/** The reactive wrapper the file views use: one SelectionState over the ids shown, in order. */
export function useSelection(ids: Ref<readonly string[]>) {
  const state = ref<SelectionState>(emptySelection());
  const selectedIds = computed(() => ids.value.filter((id) => state.value.selected.has(id)));

  return {
    state,
    selectedIds,
    isSelected: (id: string) => state.value.selected.has(id),
    click: (id: string, mods?: Modifiers) => (state.value = clickItem(state.value, ids.value, id, mods)),
    set: (next: SelectionState) => (state.value = next),
    /** Focus (and select) one item, as after creating or renaming it. */
    only: (id: string) => (state.value = { selected: new Set([id]), anchor: id, focus: id }),
    clear: () => (state.value = clearSelection(state.value)),
    reset: () => (state.value = emptySelection()),
    prune: (before: readonly string[]) => (state.value = pruneSelection(state.value, before, ids.value)),
  };
}
