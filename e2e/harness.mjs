// What the browser tests share: the real `jiuzhu` binary on a fresh SQLite
// file in a temporary folder, served on a free port, and Debian's headless
// Chromium driven by playwright-core (no browser download).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.JIUZHU_BIN ?? join(here, '..', 'target', 'debug', 'jiuzhu');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/// A folder with a database; `run(args)` runs a jiuzhu command in it.
export function workspace(name) {
  const workdir = mkdtempSync(join(tmpdir(), `jiuzhu-e2e-${name}-`));
  const env = { ...process.env, JIUZHU_DATABASE_URL: `sqlite:${join(workdir, 'e2e.db')}`, RUST_LOG: 'warn' };
  const run = (args) => execFileSync(bin, args, { cwd: workdir, env, stdio: 'ignore' });
  return { workdir, env, run };
}

/// Serves the workspace's database and opens the browser; `stop()` ends both.
export async function start({ workdir, env }) {
  const server = spawn(bin, ['serve', '--addr', '127.0.0.1:0'], { cwd: workdir, env });
  const baseUrl = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 60000);
    server.stderr.on('data', (chunk) => {
      seen += chunk.toString();
      const m = seen.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${seen}`)));
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const stop = async () => {
    await browser.close();
    server.kill();
    rmSync(workdir, { recursive: true, force: true });
  };
  return { baseUrl, browser, stop };
}
