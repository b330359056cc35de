// The limit rows of `npm run bench`: serve one prebuilt body as fast as the platform allows.
//   node bench/limit-server.mjs bare|express <body-file> <port>
// `bare` is node:http writing the bytes; `express` is Express 5 `res.send` of the same bytes.
import fs from 'node:fs';
import http from 'node:http';
import express from 'express';

const [mode, file, port] = process.argv.slice(2);
const body = fs.readFileSync(file);
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) };
const server =
  mode === 'bare'
    ? http.createServer((req, res) => {
        res.writeHead(200, headers);
        res.end(body);
      })
    : (() => {
        const app = express();
        app.get('/{*rest}', (req, res) => {
          res.type('json').send(body);
        });
        return http.createServer(app);
      })();
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
