import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../test/support/waitFor';

/** nginx serving one directory on a loopback port: the download baseline. Installs it if missing. */
export async function startNginx(root: string, port: number, workDir: string): Promise<{ stop(): Promise<void> }> {
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
events { worker_connections 64; }
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
  server { listen 127.0.0.1:${port}; root ${root}; }
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
