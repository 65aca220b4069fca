// Runs before the page is painted (a blocking script in <head>; the CSP allows our own files,
// not inline ones): the chosen theme is on <html> before the first frame, so a dark page never
// flashes white. Mirrors applyTheme() in src/composables/useTheme.ts, which takes over after.
(function () {
  var choice = 'system';
  try {
    var stored = localStorage.getItem('geovault.theme');
    if (stored === 'light' || stored === 'dark') choice = stored;
  } catch (e) {
    // Storage blocked: follow the system.
  }
  var dark = choice === 'dark' || (choice === 'system' && window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.setAttribute('data-theme', dark ? 'dark' : 'light');
  document.documentElement.setAttribute('data-theme-choice', choice);
})();
