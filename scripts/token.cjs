#!/usr/bin/env node
// Mints a bearer token for local use, as the identity service would: signed with the private JWK in
// AUTH_SIGNING_KEY (JSON), or with the development key, which only services started with
// NODE_ENV=development trust (npm start does). Services hold public keys only (AUTH_JWKS).
//   node scripts/token.cjs broker <broker-id> <park-id>
//   node scripts/token.cjs analyst <analyst-id>
//   node scripts/token.cjs admin <admin-id>
//   node scripts/token.cjs keygen      (a new Ed25519 key pair: the private JWK, and the JWKS for AUTH_JWKS)
const { generateKeyPairSync, randomUUID } = require('node:crypto');
const { signToken, publicPart, DEVELOPMENT_SIGNING_KEY } = require('../dist/libs/platform/src/index.js');

const [role, subject, parkId] = process.argv.slice(2);
if (role === 'keygen') {
  const key = { ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'EdDSA', use: 'sig' };
  console.log(`AUTH_SIGNING_KEY='${JSON.stringify(key)}'   # the issuer's only: keep it secret`);
  console.log(`AUTH_JWKS='${JSON.stringify({ keys: [publicPart(key)] })}'   # for every service`);
  process.exit(0);
}
if (!['broker', 'analyst', 'admin'].includes(role) || !subject || (role === 'broker' && !parkId)) {
  console.error('usage: node scripts/token.cjs broker <broker-id> <park-id> | analyst <analyst-id> | admin <admin-id> | keygen');
  process.exit(2);
}
const key = process.env.AUTH_SIGNING_KEY ? JSON.parse(process.env.AUTH_SIGNING_KEY) : DEVELOPMENT_SIGNING_KEY;
signToken({ subject, role, ...(role === 'broker' ? { parkId } : {}) }, key).then((t) => console.log(t));
