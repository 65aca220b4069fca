/**
 * The browser's own "Leave site? Changes you made may not be saved" prompt: armed while an
 * upload runs (see main.ts), so that a reload or a closed tab is a choice, not an accident.
 * Browsers show their own text; preventDefault and returnValue are the two ways they ask for it.
 */
export function warnBeforeLeaving(event: BeforeUnloadEvent): void {
  event.preventDefault();
  event.returnValue = '';
}
