import http from 'node:http';
import { createTestApp } from '../test/support/test-app.ts';
import { makeComment, makeReply } from '../test/support/comment-factory.ts';
const app = await createTestApp({ LOG_LEVEL: 'info', RATE_LIMIT_READS_PER_MINUTE: '1000000' });
const K = 'https://x.org/a';
await app.storage.ensureThread({ key: K, url: K, now: new Date(1e12) });
let t = 0;
for (let i = 0; i < 2000; i++) { const r = makeComment({ threadKey: K, createdAt: new Date(1e12 + (t++) * 1000) }); await app.storage.insertComment(r); for (let k = 0; k < 4; k++) await app.storage.insertComment(makeReply(r, { createdAt: new Date(1e12 + (t++) * 1000) })); }
const server = app.http.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const port = (server.address() as any).port;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = () => new Promise<void>((resolve, reject) => { http.get({ host: '127.0.0.1', port, path: `/api/v1/threads?url=${encodeURIComponent(K)}`, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject); });
for (let i = 0; i < 50; i++) await get();
const a = performance.now();
for (let i = 0; i < 500; i++) await get();
console.log('ms/req sequential keep-alive', (performance.now() - a) / 500);
server.close(); agent.destroy(); await app.close();
