/**
 * The README, checked as a new user reads it: its curl examples are run with the real curl against a started
 * service (src/main.ts in its own process, a temp DATA_DIR, defaults except ADMIN_TOKEN and the post rate limits)
 * and must get the status each states (`# 201 …`); the configuration table is config.ts; the files and npm
 * scripts it names exist.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CONFIG_KEYS } from '../src/config.js';
import { curlExamples, shellCommands, type CurlExample } from './support/readme-examples.js';
import request from 'supertest';
import { ROOT, freePort, killAllServices, startListening, waitFor } from './support/spawn-service.js';
import { ARTICLE, createTestApp, type TestApp } from './support/test-app.js';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const ADMIN_TOKEN = 'readme-admin-token-0123456789-abcdefghijklmnop';

function hasCurl(): boolean {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the README shell-block parser', () => {
  it('keeps quoted newlines and continuations in one command and gives it the comments under it', () => {
    const cmds = shellCommands([
      "curl -s host/a -d '{",
      '  "x": "# not a comment"',
      "}'",
      '# 201 {"ok":true}',
      '#     more output',
      'curl -s host/b \\',
      '  -H "A: #b"   # 204',
      '',
      '# a note for the reader, not output',
      'T="x y"',
    ]);
    expect(cmds.map((c) => [c.text, c.comments, c.line])).toEqual([
      ["curl -s host/a -d '{\n  \"x\": \"# not a comment\"\n}'", ['201 {"ok":true}', 'more output'], 1],
      ['curl -s host/b \\\n  -H "A: #b"', ['204'], 6],
      ['T="x y"', [], 10],
    ]);
  });

  it('finds curl examples in indented blocks, with their stated status and the assignments above them', () => {
    const md = ['```sh', 'T="h: v"', "curl -s 'localhost:8080/x'   # 200 fine", '```', '', '   ```sh', '   curl -s localhost:8080/y', '   ```'].join('\n');
    const ex = curlExamples(md);
    expect(ex.map((e) => [e.expectedStatus, e.assignments, e.line])).toEqual([
      [200, ['T="h: v"'], 3],
      [null, ['T="h: v"'], 7],
    ]);
  });
});

const describeCurl = hasCurl() ? describe : describe.skip;
if (!hasCurl()) console.warn('\n!!!! tests/readme.test.ts: the curl examples were SKIPPED: curl is not installed.\n');

describeCurl("the README's curl examples, run with curl against a started service", () => {
  const examples = curlExamples(README);
  let base = '';
  let port = 0;
  let dataDir = '';

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-readme-'));
    port = await freePort();
    await startListening({
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_TOKEN,
      // Every example and fixture posts from 127.0.0.1; the per-IP post limit is not what is checked here.
      RATE_LIMIT_POSTS_PER_MINUTE: '1000',
      RATE_LIMIT_POSTS_PER_HOUR: '1000',
    });
    base = `http://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(() => {
    killAllServices();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Two fresh held comments for the examples that name one by a placeholder id (`01J…`, `01K…`). */
  let fixtureCount = 0;
  async function fixtures(): Promise<{ ids: [string, string]; editToken: string }> {
    const made: { id: string; editToken: string }[] = [];
    for (const who of ['first', 'second']) {
      fixtureCount += 1;
      const res = await fetch(`${base}/api/v1/comments`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          url: `https://news.example.org/readme-fixture-${fixtureCount}`,
          name: `Fixture ${who}`,
          email: `fixture-${fixtureCount}@example.org`,
          body: `A comment for the README examples (${fixtureCount}).`,
        }),
      });
      expect(res.status).toBe(201);
      const json = (await res.json()) as { comment: { id: string }; editToken: string };
      made.push({ id: json.comment.id, editToken: json.editToken });
    }
    return { ids: [made[0]!.id, made[1]!.id], editToken: made[0]!.editToken };
  }

  async function run(example: CurlExample): Promise<{ status: number; body: string; stderr: string }> {
    let command = example.text.replaceAll('localhost:8080', `127.0.0.1:${port}`);
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ADMIN_TOKEN };
    if (/01[JK]…|\$EDIT_TOKEN/.test(command)) {
      const f = await fixtures();
      command = command.replaceAll('01J…', f.ids[0]).replaceAll('01K…', f.ids[1]);
      env.EDIT_TOKEN = f.editToken;
    }
    expect(command).not.toContain('…');
    const script = [...example.assignments, `${command} -w '\\n%{http_code}'`].join('\n');
    return new Promise((resolve) => {
      execFile('bash', ['-c', script], { env, cwd: ROOT }, (_err, stdout, stderr) => {
        const lines = stdout.split('\n');
        resolve({ status: Number(lines.pop()), body: lines.join('\n'), stderr });
      });
    });
  }

  it('has a status stated for every curl example', () => {
    expect(examples.length).toBeGreaterThanOrEqual(15);
    expect(examples.filter((e) => e.expectedStatus === null).map((e) => `README.md:${e.line} ${e.text.split('\n')[0]}`)).toEqual([]);
  });

  it('gets the stated status (and the stated "status" field) for each example, in README order', async () => {
    const wrong: string[] = [];
    for (const example of examples) {
      const { status, body, stderr } = await run(example);
      const where = `README.md:${example.line} ${example.text.split('\n')[0]}`;
      if (status !== example.expectedStatus) wrong.push(`${where}: got ${status}, README says ${example.expectedStatus} (${body.slice(0, 200)}${stderr})`);
      const statusField = /"status":"\w+"/.exec(example.comments.join(' '))?.[0];
      if (statusField && !body.includes(statusField)) wrong.push(`${where}: README shows ${statusField}, got ${body.slice(0, 300)}`);
    }
    expect(wrong).toEqual([]);
    // Some 25 curl processes in a row: minutes on a loaded 2-core machine, though each answer takes milliseconds.
  }, 300_000);
});

describe('the README configuration table', () => {
  const section = README.slice(README.indexOf('\n## Configuration\n'), README.indexOf('\n## ', README.indexOf('\n## Configuration\n') + 5));
  const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)` \| (.*?) \| (.*) \|$/gm)].map((m) => ({
    key: m[1]!,
    default: m[2] === '(unset)' ? '' : m[2]!.replace(/^`|`$/g, ''),
    description: m[3]!,
  }));

  it('lists exactly the keys of config.ts, each with its default and meaning', () => {
    expect(rows.map((r) => r.key).sort()).toEqual(CONFIG_KEYS.map((k) => k.key).sort());
    for (const k of CONFIG_KEYS) {
      expect(rows.find((r) => r.key === k.key)).toEqual({ key: k.key, default: k.default, description: k.description });
    }
  });

  it('matches .env.example, which gives every key with its default', () => {
    const example = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    for (const k of CONFIG_KEYS) {
      const block = new RegExp(`# default: (.*)\\n#? ?${k.key}=(.*)$`, 'm').exec(example);
      expect([k.key, block?.[1]]).toEqual([k.key, k.default === '' ? '(unset)' : k.default]);
    }
  });
});

describe('what the README names', () => {
  it('names files and folders of the repository that exist', () => {
    const named = [...README.matchAll(/`((?:src|tests|bench|web|scripts|docs|\.ci)\/[\w./-]*)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((p) => !fs.existsSync(path.join(ROOT, p)))).toEqual([]);
  });

  it('names npm scripts that package.json has', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const named = [...README.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(named).toContain('fake-akismet');
    expect(named.filter((s) => !(s in pkg.scripts))).toEqual([]);
  });

  it('has docker-compose.yml point at documentation that exists', () => {
    const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const m of compose.matchAll(/\b((?:docs\/)?[\w-]+\.md)\b/g)) expect([m[1], fs.existsSync(path.join(ROOT, m[1]!))]).toEqual([m[1], true]);
    for (const m of compose.matchAll(/"([^"]+)" in README\.md/g)) expect(README).toMatch(new RegExp(`^#+ ${m[1]}$`, 'm'));
  });

  it("gives the compose settings table exactly as docker-compose.yml passes them, with compose's defaults", () => {
    const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const passed = [...compose.matchAll(/^ {6}([A-Z_]+): "\$\{([A-Z_]+):([?-])([^}]*)\}"$/gm)].map((m) => ({
      variable: m[2]!,
      key: m[1]!,
      default: m[3] === '?' ? 'required' : m[4] === '' ? 'empty' : m[4]!,
    }));
    const rows = [...README.matchAll(/^\| `([A-Z_]+)` \| `([A-Z_]+)` \| (.*) \|$/gm)].map((m) => ({
      variable: m[1]!,
      key: m[2]!,
      default: /^none \(required\)/.test(m[3]!) ? 'required' : /^empty\b/.test(m[3]!) ? 'empty' : m[3]!.replace(/^`|`$/g, ''),
    }));
    expect(passed.length).toBeGreaterThan(5);
    const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : 1);
    expect(rows.sort(byKey)).toEqual(passed.sort(byKey));
  });

  it('builds and runs the same image name in the Docker section as docker-compose.yml gives its image', () => {
    const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    const image = /^\s+image: (parley\S*)$/m.exec(compose)?.[1];
    expect(image).toBe('parley:local');
    const built = [...README.matchAll(/docker build -t (\S+)/g)].map((m) => m[1]);
    // The image of a `docker run` line: a `parley` or `parley:tag` word that is not the container's --name.
    const ran = README.split('\n')
      .filter((l) => l.includes('docker run '))
      .flatMap((l) => l.trim().split(/\s+/).filter((w, i, words) => /^parley(:[\w.-]+)?$/.test(w) && words[i - 1] !== '--name'));
    expect(built.length).toBeGreaterThan(0);
    expect(ran.length).toBeGreaterThan(0);
    expect([...new Set([...built, ...ran])]).toEqual([image]);
  });
});

describe('what the README says about ALLOWED_ORIGINS and /demo', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  const appWith = async (env: Record<string, string>) => {
    const a = await createTestApp({ PUBLIC_URL: 'https://comments.example.org', ...env });
    apps.push(a);
    return a;
  };
  const demoThread = '/api/v1/threads?url=https://comments.example.org/demo';

  it("lets Parley's own origin call the API for a listed site without listing it", async () => {
    const app = await appWith({ ALLOWED_ORIGINS: 'https://news.example.org' });
    const res = await request(app.http).get(`/api/v1/threads?url=${ARTICLE}`).set('Origin', 'https://comments.example.org');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://comments.example.org');
    expect((await request(app.http).get(`/api/v1/threads?url=${ARTICLE}`).set('Origin', 'https://elsewhere.example')).status).toBe(403);
  });

  it("refuses /demo's thread, on Parley's own address, unless the list includes Parley's origin", async () => {
    const without = await appWith({ ALLOWED_ORIGINS: 'https://news.example.org' });
    const refused = await request(without.http).get(demoThread).set('Origin', 'https://comments.example.org');
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'origin_not_allowed']);
    const listed = await appWith({ ALLOWED_ORIGINS: 'https://news.example.org,https://comments.example.org' });
    expect((await request(listed.http).get(demoThread).set('Origin', 'https://comments.example.org')).status).toBe(200);
    expect(README).toMatch(/`\/demo` answers 403 `origin_not_allowed`\s+unless the list includes Parley's origin too/);
  });
});

describe('npm run fake-akismet', () => {
  it('listens on the port given after --, as the README shows, and has no port fixed in package.json', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['fake-akismet']).not.toMatch(/--port/);
    expect(README).toMatch(/`npm run fake-akismet -- --port \d+`/);
    const port = await freePort();
    // Its own process group, so npm, the shell and tsx's node all stop together.
    const child = spawn('npm', ['run', '--silent', 'fake-akismet', '--', '--port', String(port)], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => out.includes('fake Akismet listening'), 'the fake Akismet');
      expect(out).toContain(`AKISMET_ENDPOINT=http://127.0.0.1:${port}/1.1/`);
      const res = await fetch(`http://127.0.0.1:${port}/1.1/verify-key`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'key=test-key-123&blog=https://example.org',
      });
      expect(await res.text()).toBe('valid');
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    }
  });
});
