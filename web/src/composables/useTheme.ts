import { onScopeDispose, ref, watch } from 'vue';

/** The user's choice; `system` follows the operating system's light or dark setting. */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

/** Also read by public/theme-init.js, which applies the theme before the first paint. */
export const THEME_KEY = 'geovault.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

export function readThemeChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(THEME_KEY);
    if (stored === 'light' || stored === 'dark') return stored;
  } catch {
    // Storage blocked (private mode): the system's setting it is.
  }
  return 'system';
}

export function resolveTheme(choice: ThemeChoice): Theme {
  if (choice !== 'system') return choice;
  return typeof matchMedia === 'function' && matchMedia(DARK_QUERY).matches ? 'dark' : 'light';
}

/** Sets `data-theme` (the resolved theme, which the CSS reads) and `data-theme-choice` on <html>. */
export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  root.dataset.theme = resolveTheme(choice);
  root.dataset.themeChoice = choice;
}

/**
 * The theme menu's state: the choice is remembered in this browser, and while it is `system`
 * a change of the system's setting (sunset on a phone) applies at once.
 */
export function useTheme() {
  const choice = ref<ThemeChoice>(readThemeChoice());
  applyTheme(choice.value);
  watch(choice, (now) => {
    try {
      if (now === 'system') localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, now);
    } catch {
      // Not remembered; it still applies for this visit.
    }
    applyTheme(now);
  });
  const media = typeof matchMedia === 'function' ? matchMedia(DARK_QUERY) : undefined;
  const onSystemChange = () => {
    if (choice.value === 'system') applyTheme('system');
  };
  media?.addEventListener('change', onSystemChange);
  onScopeDispose(() => media?.removeEventListener('change', onSystemChange));
  return { choice };
}
