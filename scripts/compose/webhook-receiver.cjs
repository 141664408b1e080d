// Test-only webhook receiver for the compose smoke test (deploy/compose.smoke.yml runs it on the
// compose network, in the node stand-in image). Reporting delivers to https://webhook-receiver:8443
// (production allows https only; the certificate is a throwaway one, see the override). Every
// request is kept exactly as received (raw body and headers) and answered 204. The smoke checks
// fetch them over plain http on :8080 (GET /deliveries, published on loopback) and verify the
// Standard Webhooks signatures themselves, with the secret only they hold. No dependencies.
const http = require('node:http');
const https = require('node:https');
const { readFileSync } = require('node:fs');

const deliveries = [];
const tls = { key: readFileSync('/receiver/tls/receiver.key'), cert: readFileSync('/receiver/tls/receiver.crt') };

https
  .createServer(tls, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      res.writeHead(204).end();
    });
  })
  .listen(8443, '0.0.0.0', () => console.log('webhook receiver: https on :8443'));

http
  .createServer((req, res) => {
    if (req.url === '/health') return res.writeHead(200).end('ok');
    if (req.url === '/deliveries') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(deliveries));
    }
    res.writeHead(404).end();
  })
  .listen(8080, '0.0.0.0', () => console.log('webhook receiver: deliveries on :8080'));
