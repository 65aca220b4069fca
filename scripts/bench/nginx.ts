import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../test/support/waitFor';

/**
 * nginx serving one directory on a loopback port: the download baseline; with `webdav`, it
 * also takes PUTs under /dav/ (the small-upload baseline). Installs it if missing.
 */
export async function startNginx(root: string, port: number, workDir: string, opts: { webdav?: boolean } = {}): Promise<{ stop(): Promise<void> }> {
  const binary = findNginx();
  fs.mkdirSync(path.join(workDir, 'logs'), { recursive: true });
  const conf = path.join(workDir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `daemon off;
user root;
worker_processes 1;
error_log ${workDir}/logs/error.log warn;
pid ${workDir}/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${workDir}/tmp-body;
  proxy_temp_path ${workDir}/tmp-proxy;
  fastcgi_temp_path ${workDir}/tmp-fastcgi;
  uwsgi_temp_path ${workDir}/tmp-uwsgi;
  scgi_temp_path ${workDir}/tmp-scgi;
  types { application/octet-stream bin; }
  server {
    listen 127.0.0.1:${port};
    root ${root};
    ${opts.webdav ? 'location /dav/ { dav_methods PUT; create_full_put_path on; client_max_body_size 64m; client_body_buffer_size 64k; }' : ''}
  }
}
`,
  );
  const proc: ChildProcess = spawn(binary, ['-c', conf, '-p', workDir], { stdio: 'ignore' });
  await waitFor('nginx to listen', async () => {
    if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}; see ${workDir}/logs/error.log`);
    return (await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined)) !== undefined;
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

function findNginx(): string {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (fs.existsSync(candidate)) return candidate;
  process.stderr.write('bench: installing nginx with apt-get…\n');
  execFileSync('apt-get', ['install', '-y', '-qq', 'nginx'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return '/usr/sbin/nginx';
}
