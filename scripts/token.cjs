#!/usr/bin/env node
// Mints a bearer token for local use, signed with AUTH_TOKEN_SECRET (or the local development secret).
//   node scripts/token.cjs broker <broker-id> <park-id>
//   node scripts/token.cjs analyst <analyst-id>
//   node scripts/token.cjs admin <admin-id>
const { signToken } = require('../dist/libs/platform/src/auth/tokens.js');

const [role, subject, parkId] = process.argv.slice(2);
if (!['broker', 'analyst', 'admin'].includes(role) || !subject || (role === 'broker' && !parkId)) {
  console.error('usage: node scripts/token.cjs broker <broker-id> <park-id> | analyst <analyst-id> | admin <admin-id>');
  process.exit(2);
}
const secret = process.env.AUTH_TOKEN_SECRET ?? 'local-development-secret-do-not-deploy';
signToken({ subject, role, ...(role === 'broker' ? { parkId } : {}) }, secret).then((t) => console.log(t));
