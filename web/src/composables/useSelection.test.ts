import { describe, expect, it } from 'vitest';
import {
  clickItem,
  emptySelection,
  keyCommand,
  moveFocus,
  pruneSelection,
  selectAll,
  type KeyCommand,
  type SelectionState,
} from './useSelection';

const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
const sel = (state: SelectionState) => ids.filter((id) => state.selected.has(id));
const stateOf = (command: KeyCommand | null): SelectionState => {
  if (command?.kind !== 'select') throw new Error(`expected a selection, got ${JSON.stringify(command)}`);
  return command.state;
};

describe('selection by pointer', () => {
  it('selects one item on a plain click, replacing what was selected', () => {
    let s = clickItem(emptySelection(), ids, 'b');
    s = clickItem(s, ids, 'd');
    expect(sel(s)).toEqual(['d']);
    expect(s.focus).toBe('d');
  });

  it('shift-click selects the range from the anchor, in either direction, and re-ranges from the same anchor', () => {
    let s = clickItem(emptySelection(), ids, 'c');
    s = clickItem(s, ids, 'e', { shift: true });
    expect(sel(s)).toEqual(['c', 'd', 'e']);
    s = clickItem(s, ids, 'a', { shift: true });
    expect(sel(s)).toEqual(['a', 'b', 'c']);
    expect(s.anchor).toBe('c');
  });

  it('ctrl-click toggles one item and becomes the new anchor; ctrl+shift adds a range', () => {
    let s = clickItem(emptySelection(), ids, 'a');
    s = clickItem(s, ids, 'c', { toggle: true });
    expect(sel(s)).toEqual(['a', 'c']);
    s = clickItem(s, ids, 'a', { toggle: true });
    expect(sel(s)).toEqual(['c']);
    s = clickItem(s, ids, 'e', { toggle: true });
    s = clickItem(s, ids, 'f', { shift: true, toggle: true });
    expect(sel(s)).toEqual(['c', 'e', 'f']);
  });
});

describe('selection by keyboard', () => {
  it('arrows move the focus and select it; they stop at the ends', () => {
    let s = stateOf(keyCommand(emptySelection(), ids, { key: 'ArrowDown' }));
    expect(s.focus).toBe('a');
    s = stateOf(keyCommand(s, ids, { key: 'ArrowDown' }));
    expect(sel(s)).toEqual(['b']);
    s = stateOf(keyCommand(s, ids, { key: 'ArrowUp' }));
    s = stateOf(keyCommand(s, ids, { key: 'ArrowUp' }));
    expect(s.focus).toBe('a');
    expect(stateOf(keyCommand(s, ids, { key: 'End' })).focus).toBe('f');
  });

  it('shift+arrows extend from the anchor and shrink back', () => {
    let s = clickItem(emptySelection(), ids, 'b');
    s = stateOf(keyCommand(s, ids, { key: 'ArrowDown', shiftKey: true }));
    s = stateOf(keyCommand(s, ids, { key: 'ArrowDown', shiftKey: true }));
    expect(sel(s)).toEqual(['b', 'c', 'd']);
    s = stateOf(keyCommand(s, ids, { key: 'ArrowUp', shiftKey: true }));
    expect(sel(s)).toEqual(['b', 'c']);
  });

  it('ctrl+arrows move only the focus, and space toggles the focused item', () => {
    let s = clickItem(emptySelection(), ids, 'a');
    s = stateOf(keyCommand(s, ids, { key: 'ArrowDown', ctrlKey: true }));
    s = stateOf(keyCommand(s, ids, { key: 'ArrowDown', ctrlKey: true }));
    expect(sel(s)).toEqual(['a']);
    expect(s.focus).toBe('c');
    s = stateOf(keyCommand(s, ids, { key: ' ' }));
    expect(sel(s)).toEqual(['a', 'c']);
    s = stateOf(keyCommand(s, ids, { key: ' ' }));
    expect(sel(s)).toEqual(['a']);
  });

  it('ctrl+A (or cmd+A) selects all, Escape clears but keeps the focus', () => {
    let s = clickItem(emptySelection(), ids, 'c');
    expect(keyCommand(s, ids, { key: 'a' })).toBeNull();
    s = stateOf(keyCommand(s, ids, { key: 'a', metaKey: true }));
    expect(sel(s)).toEqual(ids);
    s = stateOf(keyCommand(s, ids, { key: 'Escape' }));
    expect(sel(s)).toEqual([]);
    expect(s.focus).toBe('c');
    expect(keyCommand(s, ids, { key: 'Escape' })).toBeNull();
  });

  it('in a grid of tiles, up and down jump a row of tiles and left/right move by one', () => {
    let s = clickItem(emptySelection(), ids, 'b');
    s = stateOf(keyCommand(s, ids, { key: 'ArrowDown' }, 3));
    expect(s.focus).toBe('e');
    s = stateOf(keyCommand(s, ids, { key: 'ArrowLeft' }, 3));
    expect(s.focus).toBe('d');
    expect(keyCommand(s, ids, { key: 'ArrowLeft' }, 1)).toBeNull();
  });

  it('maps Enter, Delete, F2 and the menu keys to commands', () => {
    const s = clickItem(emptySelection(), ids, 'b');
    expect(keyCommand(s, ids, { key: 'Enter' })).toEqual({ kind: 'open' });
    expect(keyCommand(s, ids, { key: 'Delete' })).toEqual({ kind: 'delete' });
    expect(keyCommand(s, ids, { key: 'F2' })).toEqual({ kind: 'rename' });
    expect(keyCommand(s, ids, { key: 'F10', shiftKey: true })).toEqual({ kind: 'menu' });
    expect(keyCommand(s, ids, { key: 'F10' })).toBeNull();
    expect(keyCommand(emptySelection(), ids, { key: 'Enter' })).toBeNull();
  });
});

describe('selection when the list changes', () => {
  it('drops ids that are gone and hands the focus to the next item (after a delete)', () => {
    const s = selectAll(clickItem(emptySelection(), ids, 'c'), ['c', 'd']);
    const after = pruneSelection({ ...s, selected: new Set(['c', 'd']) }, ids, ['a', 'b', 'e', 'f']);
    expect([...after.selected]).toEqual([]);
    expect(after.focus).toBe('e');
  });

  it('falls back to the last item when the focused one was last', () => {
    const s = clickItem(emptySelection(), ids, 'f');
    expect(pruneSelection(s, ids, ['a', 'b']).focus).toBe('b');
    expect(pruneSelection(s, ids, []).focus).toBeNull();
  });

  it('moveFocus on an empty list changes nothing', () => {
    const s = emptySelection();
    expect(moveFocus(s, [], 1)).toBe(s);
  });
});
