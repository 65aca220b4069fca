import fs from 'node:fs';
import path from 'node:path';
import express from 'express';

/**
 * Serves the built Vue dashboard (web/dist): hashed assets with long caching, and index.html
 * for every other GET that is not an API call, so that client-side routes (/nodes, /files…)
 * work on reload.
 */
export function createDashboardRouter(distDir: string): express.Router {
  const router = express.Router();
  const index = path.join(distDir, 'index.html');
  router.use('/assets', express.static(path.join(distDir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  router.use(express.static(distDir, { index: false }));
  router.get(/^\/(?!api\/|v1\/|socket\.io\/).*/, (req, res, next) => {
    if (req.accepts(['html', 'json']) !== 'html') return next();
    if (!fs.existsSync(index)) {
      res
        .status(503)
        .type('text/plain')
        .send('The dashboard is not built yet: run `npm run build:web` (npm start does it for you).');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
