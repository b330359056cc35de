/**
 * The Docker files, read as text: there is no Docker engine here, so nothing is built or run. Each check is a
 * function returning a problem (or undefined); the real files must pass every check, and broken variants of a
 * small good fixture prove that each check can fail.
 */
import fs from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import yaml from 'js-yaml';

const read = (name: string) => fs.readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

// ---------------------------------------------------------------- Dockerfile

interface Instruction {
  cmd: string;
  args: string;
}
interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  if (current.trim() !== '') logical.push(current.trim());

  const stages: Stage[] = [];
  for (const line of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const cmd = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (cmd === 'FROM') {
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      stages.push({ image: words[0] ?? '', name: words[1]?.toLowerCase() === 'as' ? words[2] : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ cmd, args });
    }
  }
  return stages;
}

/** A stage and the earlier stages it is built FROM (`FROM base`), nearest first. */
function lineage(stages: Stage[], stage: Stage): Stage[] {
  const chain = [stage];
  let parent = stages.find((s) => s.name !== undefined && s.name === chain.at(-1)!.image);
  while (parent && !chain.includes(parent)) {
    chain.push(parent);
    parent = stages.find((s) => s.name !== undefined && s.name === chain.at(-1)!.image);
  }
  return chain;
}

/** Instructions of a stage including the ones it inherits, in build order. */
const instructionsOf = (stages: Stage[], stage: Stage) => lineage(stages, stage).reverse().flatMap((s) => s.instructions);
const finalStage = (stages: Stage[]) => stages.at(-1)!;
const finalInstructions = (stages: Stage[]) => instructionsOf(stages, finalStage(stages));
const lastOf = (list: Instruction[], cmd: string) => list.filter((i) => i.cmd === cmd).at(-1);
const runText = (list: Instruction[]) =>
  list
    .filter((i) => i.cmd === 'RUN')
    .map((i) => i.args)
    .join('\n');
const stageByName = (stages: Stage[], name: string) => stages.find((s) => s.name === name || String(stages.indexOf(s)) === name);

/** Exec form (JSON array) or shell words. */
function argv(args: string): { exec: boolean; words: string[] } {
  if (args.startsWith('[')) return { exec: true, words: JSON.parse(args) as string[] };
  return { exec: false, words: args.split(/\s+/) };
}

function envOf(list: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of list.filter((x) => x.cmd === 'ENV')) {
    const pairs = [...i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S+)/g)];
    if (pairs.length === 0) {
      const [key, ...rest] = i.args.split(/\s+/);
      if (key) env[key] = rest.join(' ');
    }
    for (const p of pairs) env[p[1]!] = p[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return env;
}

const SLIM_NODE_20 = /^(?:docker\.io\/)?(?:library\/)?node:20(?:\.\d+){0,2}-(?:[a-z]+-)?slim(?:@sha256:[0-9a-f]{64})?$/;
const BUILD_TOOLS: Record<string, RegExp> = { python3: /\bpython3\b/, make: /(^|[\s;&|])make\b/m, 'g++': /(^|\s)g\+\+(\s|$)/m };
/** The last npm ci/install/prune of a text decides what node_modules holds. */
const NPM_INSTALLS = /npm\s+(?:ci|install|i|prune)\b[^&|;\n]*/g;
const PROD_ONLY = /--omit[= ]dev\b|--production\b|--only[= ]prod/;

type Check<T> = (input: T) => string | undefined;

const dockerfileChecks: Record<string, Check<Stage[]>> = {
  'is multi-stage and runs on a slim Node 20 image': (stages) => {
    if (stages.length < 2) return `${stages.length} FROM; a build stage and a runtime stage are expected`;
    const base = lineage(stages, finalStage(stages)).at(-1)!.image;
    return SLIM_NODE_20.test(base) ? undefined : `final stage is based on ${base}, not a slim node:20 image`;
  },
  'runs as a non-root user': (stages) => {
    const user = lastOf(finalInstructions(stages), 'USER')?.args.split(':')[0];
    if (!user) return 'no USER in the final stage: it would run as root';
    return ['root', '0'].includes(user) ? `USER ${user} is root` : undefined;
  },
  'gives that user a writable /data': (stages) => {
    const list = finalInstructions(stages);
    const user = lastOf(list, 'USER')?.args.split(':')[0] ?? 'node';
    const owners = user === 'node' || user === '1000' ? '(?:node|1000)' : user;
    const chown = new RegExp(`chown\\s+(?:-R\\s+)?${owners}(?::\\S+)?\\s+(?:\\S+\\s+)*?/data\\b`);
    return chown.test(runText(list)) ? undefined : `no RUN chown of /data to ${user}`;
  },
  'sets NODE_ENV=production, DATA_DIR=/data and PORT=8080': (stages) => {
    const env = envOf(finalInstructions(stages));
    if (env.NODE_ENV !== 'production') return `NODE_ENV is ${env.NODE_ENV ?? 'unset'}`;
    if (env.DATA_DIR !== '/data') return `DATA_DIR is ${env.DATA_DIR ?? 'unset'}: the database would miss the volume`;
    return (env.PORT ?? '8080') === '8080' ? undefined : `PORT is ${env.PORT}, but 8080 is exposed`;
  },
  'declares VOLUME /data': (stages) => {
    const volumes = finalInstructions(stages)
      .filter((i) => i.cmd === 'VOLUME')
      .flatMap((i) => argv(i.args).words);
    return volumes.includes('/data') ? undefined : 'no VOLUME /data';
  },
  'exposes port 8080': (stages) => {
    const ports = finalInstructions(stages)
      .filter((i) => i.cmd === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/));
    return ports.some((p) => p.replace(/\/tcp$/, '') === '8080') ? undefined : `EXPOSE ${ports.join(' ') || '(none)'}`;
  },
  'checks health on /healthz without curl or wget': (stages) => {
    const hc = lastOf(finalInstructions(stages), 'HEALTHCHECK');
    if (!hc || /^NONE$/i.test(hc.args)) return 'no HEALTHCHECK';
    if (!hc.args.includes('/healthz')) return 'HEALTHCHECK does not target /healthz';
    return /\b(curl|wget)\b/.test(hc.args) ? 'HEALTHCHECK uses curl/wget, which the slim image lacks' : undefined;
  },
  'starts node dist/main.js directly, in exec form': (stages) => {
    const list = finalInstructions(stages);
    const entry = lastOf(list, 'ENTRYPOINT');
    if (entry && /\bnpm\b/.test(entry.args)) return 'ENTRYPOINT runs npm';
    const cmd = lastOf(list, 'CMD');
    if (!cmd) return 'no CMD';
    const { exec, words } = argv(cmd.args);
    if (!exec) return 'CMD in shell form: a shell would stand between SIGTERM and node';
    if (words[0] !== 'node' || !words.includes('dist/main.js')) return `CMD is ${cmd.args}, not node dist/main.js`;
    return undefined;
  },
  'installs python3, make and g++ only in a build stage': (stages) => {
    const buildRuns = runText(stages.slice(0, -1).flatMap((s) => s.instructions));
    const finalRuns = runText(finalInstructions(stages));
    for (const [tool, pattern] of Object.entries(BUILD_TOOLS)) {
      if (!pattern.test(buildRuns)) return `${tool} is not installed in a build stage`;
      if (pattern.test(finalRuns)) return `${tool} is in the final image`;
    }
    return undefined;
  },
  'ships production dependencies only': (stages) => {
    const copies = finalStage(stages).instructions.filter((i) => i.cmd === 'COPY' && /--from=/.test(i.args) && /node_modules/.test(i.args));
    const sources =
      copies.length > 0
        ? copies.map((c) => stageByName(stages, /--from=(\S+)/.exec(c.args)![1]!))
        : [finalStage(stages)];
    for (const source of sources) {
      if (!source) return 'node_modules is copied from an unknown stage';
      const last = [...runText(instructionsOf(stages, source)).matchAll(NPM_INSTALLS)].at(-1)?.[0];
      if (!last) return 'node_modules is never installed';
      if (!PROD_ONLY.test(last)) return `the last install step is "${last.trim()}": dev dependencies ship`;
    }
    return undefined;
  },
  'copies the compiled dist/ from the build stage': (stages) => {
    const copy = finalStage(stages).instructions.find((i) => i.cmd === 'COPY' && /--from=/.test(i.args) && /\bdist\b/.test(i.args));
    if (!copy) return 'dist/ is not copied from a build stage';
    const source = stageByName(stages, /--from=(\S+)/.exec(copy.args)![1]!);
    const built = source && /npm run build|\btsc\b/.test(runText(instructionsOf(stages, source)));
    return built ? undefined : 'the stage dist/ comes from does not run the build';
  },
};

const GOOD_DOCKERFILE = `
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y python3 make g++
WORKDIR /app
COPY . .
RUN npm ci
RUN npm run build && npm prune --omit=dev
FROM node:20-bookworm-slim
ENV NODE_ENV=production DATA_DIR=/data PORT=8080
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz')"]
CMD ["node", "dist/main.js"]
`;

/** Each broken variant of the good fixture, and the check that must catch it. */
const dockerfileBreakages: [string, string, (text: string) => string][] = [
  ['one stage', 'is multi-stage and runs on a slim Node 20 image', (t) => t.slice(t.indexOf('FROM node:20-bookworm-slim\n'))],
  ['a full image', 'is multi-stage and runs on a slim Node 20 image', (t) => t.replace('FROM node:20-bookworm-slim\n', 'FROM node:20-bookworm\n')],
  ['Node 18', 'is multi-stage and runs on a slim Node 20 image', (t) => t.replace('FROM node:20-bookworm-slim\n', 'FROM node:18-slim\n')],
  ['no USER', 'runs as a non-root user', (t) => t.replace('USER node\n', '')],
  ['USER root', 'runs as a non-root user', (t) => t.replace('USER node', 'USER root')],
  ['USER 0:0', 'runs as a non-root user', (t) => t.replace('USER node', 'USER 0:0')],
  ['/data left to root', 'gives that user a writable /data', (t) => t.replace(' && chown node:node /data', '')],
  ['DATA_DIR elsewhere', 'sets NODE_ENV=production, DATA_DIR=/data and PORT=8080', (t) => t.replace('DATA_DIR=/data', 'DATA_DIR=/app/data')],
  ['no NODE_ENV', 'sets NODE_ENV=production, DATA_DIR=/data and PORT=8080', (t) => t.replace('NODE_ENV=production ', '')],
  ['no VOLUME', 'declares VOLUME /data', (t) => t.replace('VOLUME /data\n', '')],
  ['another port', 'exposes port 8080', (t) => t.replace('EXPOSE 8080', 'EXPOSE 3000')],
  ['no HEALTHCHECK', 'checks health on /healthz without curl or wget', (t) => t.replace(/HEALTHCHECK .*\n/, '')],
  ['a health check on /', 'checks health on /healthz without curl or wget', (t) => t.replace('/healthz', '/')],
  ['curl', 'checks health on /healthz without curl or wget', (t) => t.replace(/HEALTHCHECK .*\n/, 'HEALTHCHECK CMD curl -f http://127.0.0.1:8080/healthz\n')],
  ['npm start', 'starts node dist/main.js directly, in exec form', (t) => t.replace('CMD ["node", "dist/main.js"]', 'CMD ["npm", "start"]')],
  ['shell form', 'starts node dist/main.js directly, in exec form', (t) => t.replace('CMD ["node", "dist/main.js"]', 'CMD node dist/main.js')],
  ['g++ in the runtime', 'installs python3, make and g++ only in a build stage', (t) => t.replace('RUN mkdir', 'RUN apt-get install -y g++ && mkdir')],
  ['no build tools', 'installs python3, make and g++ only in a build stage', (t) => t.replace(' python3 make g++', '')],
  ['no prune', 'ships production dependencies only', (t) => t.replace(' && npm prune --omit=dev', '')],
  ['an install after the prune', 'ships production dependencies only', (t) => t.replace('--omit=dev', '--omit=dev && npm install')],
  ['dist built nowhere', 'copies the compiled dist/ from the build stage', (t) => t.replace('npm run build && ', '')],
];

// ---------------------------------------------------------------- docker-compose.yml

type Compose = { version?: unknown; services?: Record<string, Service>; volumes?: Record<string, unknown> };
type Service = {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  ports?: (string | number | { target?: number | string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown; disable?: boolean };
};

function environment(service: Service | undefined): Record<string, string> {
  const env = service?.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((e) => [e.split('=')[0]!, e.slice(e.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

/** Named volume mounted at `target`, declared at the top level. */
function namedVolumeAt(compose: Compose, service: Service | undefined, target: string): string | undefined {
  for (const v of service?.volumes ?? []) {
    const [source, dest] = typeof v === 'string' ? v.split(':') : [v.type === 'volume' ? v.source : undefined, v.target];
    if (dest === target && source && /^[A-Za-z0-9][\w.-]*$/.test(source) && compose.volumes && source in compose.volumes) return source;
  }
  return undefined;
}

/** The service a URI's host names, when that service runs `imagePattern`. */
function wiredTo(compose: Compose, uri: string | undefined, scheme: string, imagePattern: RegExp): string | undefined {
  if (!uri) return 'is not set';
  const m = new RegExp(`^${scheme}://(?:[^@/]*@)?([^:/?#]+)`).exec(uri);
  if (!m) return `is not a ${scheme}:// URI`;
  const image = compose.services?.[m[1]!]?.image ?? '';
  return imagePattern.test(image) ? undefined : `points at "${m[1]}", which is not a service running ${imagePattern.source}`;
}

const NO_DEFAULT_REQUIRED = /^\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]*\}$/;
const NO_DEFAULT_OR_EMPTY = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-|:?\?[^}]*)?\}$/;

const composeChecks: Record<string, Check<Compose>> = {
  'has parley (built here), mongo:7 and redis:7 services': (c) => {
    const s = c.services ?? {};
    if (!s.parley?.build) return 'no parley service built from this directory';
    if (!/^mongo:7(\.|$|-)/.test(s.mongo?.image ?? '')) return `mongo service image is ${s.mongo?.image ?? 'missing'}`;
    if (!/^redis:7(\.|$|-)/.test(s.redis?.image ?? '')) return `redis service image is ${s.redis?.image ?? 'missing'}`;
    return undefined;
  },
  'has no obsolete version key': (c) => ('version' in c ? 'a top-level version key' : undefined),
  'runs MongoDB as a replica set, so writes that belong together are transactions': (c) => {
    const command = c.services?.mongo?.command;
    const args = Array.isArray(command) ? command.map(String) : String(command ?? '').split(/\s+/);
    const set = args[args.indexOf('--replSet') + 1];
    if (!args.includes('--replSet') || !set) return 'mongo runs without --replSet';
    const uri = environment(c.services?.parley).MONGODB_URI ?? '';
    if (!new RegExp(`[?&]replicaSet=${set}(&|$)`).test(uri)) return `MONGODB_URI does not name replicaSet=${set}`;
    if (!JSON.stringify(c.services?.mongo?.healthcheck?.test ?? '').includes('rs.initiate')) return 'nothing initiates the replica set';
    return undefined;
  },
  'wires MONGODB_URI to the mongo service': (c) => {
    const problem = wiredTo(c, environment(c.services?.parley).MONGODB_URI, 'mongodb', /^mongo:7/);
    return problem && `MONGODB_URI ${problem}`;
  },
  'wires REDIS_URL to the redis service': (c) => {
    const problem = wiredTo(c, environment(c.services?.parley).REDIS_URL, 'redis', /^redis:7/);
    return problem && `REDIS_URL ${problem}`;
  },
  'keeps MongoDB and /data on named volumes': (c) => {
    if (!namedVolumeAt(c, c.services?.mongo, '/data/db')) return 'mongo has no named volume at /data/db';
    if (!namedVolumeAt(c, c.services?.parley, '/data')) return 'parley has no named volume at /data';
    return undefined;
  },
  'takes SECRET from the environment with no default (and ADMIN_TOKEN without a literal)': (c) => {
    const env = environment(c.services?.parley);
    if (!NO_DEFAULT_REQUIRED.test(env.SECRET ?? '')) return `SECRET is "${env.SECRET ?? ''}", not a required \${VAR:?message}`;
    if ('ADMIN_TOKEN' in env && !NO_DEFAULT_OR_EMPTY.test(env.ADMIN_TOKEN!)) return `ADMIN_TOKEN has a literal value or default`;
    return undefined;
  },
  'starts parley after healthy mongo and redis': (c) => {
    const deps = c.services?.parley?.depends_on;
    for (const name of ['mongo', 'redis']) {
      if (Array.isArray(deps) || deps?.[name]?.condition !== 'service_healthy') return `parley does not wait for a healthy ${name}`;
      const hc = c.services?.[name]?.healthcheck;
      if (!hc?.test || hc.disable) return `${name} has no healthcheck`;
    }
    return undefined;
  },
  'publishes container port 8080': (c) => {
    const ports = c.services?.parley?.ports ?? [];
    const targets = ports.map((p) => (typeof p === 'object' ? String(p.target) : String(p).split(':').at(-1)!.replace(/\/tcp$/, '')));
    return targets.includes('8080') ? undefined : `ports ${JSON.stringify(ports)}`;
  },
};

const goodCompose = (): Compose => ({
  services: {
    parley: {
      build: '.',
      ports: ['8080:8080'],
      environment: { MONGODB_URI: 'mongodb://mongo:27017/parley?replicaSet=rs0', REDIS_URL: 'redis://redis:6379', SECRET: '${S:?set S}', ADMIN_TOKEN: '${A:-}' },
      volumes: ['parley-data:/data'],
      depends_on: { mongo: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } },
    },
    mongo: {
      image: 'mongo:7',
      command: ['--replSet', 'rs0', '--bind_ip_all'],
      volumes: ['mongo-data:/data/db'],
      healthcheck: { test: ['CMD', 'mongosh', '--eval', "rs.initiate({ _id: 'rs0' })"] },
    },
    redis: { image: 'redis:7-alpine', healthcheck: { test: ['CMD', 'redis-cli', 'ping'] } },
  },
  volumes: { 'parley-data': null, 'mongo-data': null },
});

/** The fixture's environment map, to break in place. */
const parleyEnv = (c: Compose) => c.services!.parley!.environment as Record<string, string>;

const composeBreakages: [string, string, (c: Compose) => void][] = [
  ['no redis', 'has parley (built here), mongo:7 and redis:7 services', (c) => delete c.services!.redis],
  ['mongo 6', 'has parley (built here), mongo:7 and redis:7 services', (c) => (c.services!.mongo!.image = 'mongo:6')],
  ['a version key', 'has no obsolete version key', (c) => (c.version = '3.8')],
  ['a standalone mongod', 'runs MongoDB as a replica set, so writes that belong together are transactions', (c) => delete c.services!.mongo!.command],
  ['a URI without the set', 'runs MongoDB as a replica set, so writes that belong together are transactions', (c) => (parleyEnv(c).MONGODB_URI = 'mongodb://mongo:27017/parley')],
  ['MongoDB on localhost', 'wires MONGODB_URI to the mongo service', (c) => (parleyEnv(c).MONGODB_URI = 'mongodb://localhost:27017/parley')],
  ['no REDIS_URL', 'wires REDIS_URL to the redis service', (c) => delete parleyEnv(c).REDIS_URL],
  ['mongo on a bind mount', 'keeps MongoDB and /data on named volumes', (c) => (c.services!.mongo!.volumes = ['./mongo:/data/db'])],
  ['mongo without a volume', 'keeps MongoDB and /data on named volumes', (c) => delete c.services!.mongo!.volumes],
  ['a literal SECRET', 'takes SECRET from the environment with no default (and ADMIN_TOKEN without a literal)', (c) => (parleyEnv(c).SECRET = 'change-me-change-me-change-me-change-me')],
  ['a SECRET default', 'takes SECRET from the environment with no default (and ADMIN_TOKEN without a literal)', (c) => (parleyEnv(c).SECRET = '${S:-0123456789abcdef0123456789abcdef}')],
  ['an ADMIN_TOKEN default', 'takes SECRET from the environment with no default (and ADMIN_TOKEN without a literal)', (c) => (parleyEnv(c).ADMIN_TOKEN = '${A:-admin-admin-admin-admin-admin-admin}')],
  ['plain depends_on', 'starts parley after healthy mongo and redis', (c) => (c.services!.parley!.depends_on = ['mongo', 'redis'])],
  ['redis without a healthcheck', 'starts parley after healthy mongo and redis', (c) => delete c.services!.redis!.healthcheck],
  ['another port', 'publishes container port 8080', (c) => (c.services!.parley!.ports = ['8080:3000'])],
];

// ---------------------------------------------------------------- .dockerignore

function dockerignoreProblem(text: string, required: string[]): string | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const norm = (p: string) => p.replace(/^(\*\*\/|\/)/, '').replace(/\/(\*\*?)?$/, '');
  for (const name of required) {
    const excluded = lines.some((l) => !l.startsWith('!') && norm(l) === name);
    const reincluded = lines.some((l) => l.startsWith('!') && norm(l.slice(1)) === name);
    if (!excluded || reincluded) return `${name} is not excluded from the build context`;
  }
  return undefined;
}
const IGNORED = ['node_modules', 'data', 'dist', '.env', '.git'];

// ---------------------------------------------------------------- tests

describe('Dockerfile', () => {
  const stages = parseDockerfile(read('Dockerfile'));

  it.each(Object.keys(dockerfileChecks))('%s', (name) => {
    expect(dockerfileChecks[name]!(stages)).toBeUndefined();
  });

  it('the fixture used to prove the checks passes them all', () => {
    const good = parseDockerfile(GOOD_DOCKERFILE);
    expect(Object.entries(dockerfileChecks).filter(([, check]) => check(good) !== undefined)).toEqual([]);
  });

  it.each(dockerfileBreakages)('catches %s (%s)', (_label, checkName, breakIt) => {
    const broken = breakIt(GOOD_DOCKERFILE);
    expect(broken).not.toBe(GOOD_DOCKERFILE);
    expect(dockerfileChecks[checkName]!(parseDockerfile(broken))).toEqual(expect.any(String));
  });
});

describe('docker-compose.yml', () => {
  const compose = yaml.load(read('docker-compose.yml')) as Compose;

  it.each(Object.keys(composeChecks))('%s', (name) => {
    expect(composeChecks[name]!(compose)).toBeUndefined();
  });

  it('the fixture used to prove the checks passes them all', () => {
    expect(Object.entries(composeChecks).filter(([, check]) => check(goodCompose()) !== undefined)).toEqual([]);
  });

  it.each(composeBreakages)('catches %s (%s)', (_label, checkName, breakIt) => {
    const broken = goodCompose();
    breakIt(broken);
    expect(composeChecks[checkName]!(broken)).toEqual(expect.any(String));
  });
});

describe('.dockerignore', () => {
  it('keeps node_modules, data, dist, .env and .git out of the build context', () => {
    expect(dockerignoreProblem(read('.dockerignore'), IGNORED)).toBeUndefined();
  });

  it('catches a missing or re-included entry', () => {
    expect(dockerignoreProblem('node_modules\ndist\n.env\n.git\n', IGNORED)).toMatch(/^data /);
    expect(dockerignoreProblem('node_modules\ndata\ndist\n.env\n.git\n!data\n', IGNORED)).toMatch(/^data /);
  });
});
