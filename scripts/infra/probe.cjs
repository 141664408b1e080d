#!/usr/bin/env node
// (.cjs so it stays CommonJS even if package.json ever says "type": "module".)
// Protocol-level readiness probes used by scripts/infra/{up,status}.
//
// Why: an open TCP port is not "ready". Kafka opens its listener before it
// can serve metadata, and the MongoDB-wire server binds its port before it
// answers commands. We have no kafka/mongo CLI tools installed, but Node is always
// there (it is a Node project), so we speak the two wire protocols directly
// with nothing but the standard library (must work before `npm ci`).
//
//   node probe.cjs kafka 127.0.0.1 19092   -> ApiVersions v0 (allowed before SASL); ok if error 0
//   node probe.cjs mongo 127.0.0.1 27018   -> OP_MSG {ping:1}; ok if reply has ok:1
//
// Exit 0 = ready, 1 = not ready (reason on stderr). Never hangs: 3 s timeout.
'use strict';
const net = require('net');

const [kind, host, portArg] = process.argv.slice(2);
const port = Number(portArg);
if (!['kafka', 'mongo'].includes(kind) || !host || !port) {
  process.stderr.write('usage: probe.cjs kafka|mongo HOST PORT\n');
  process.exit(2);
}

function fail(msg) {
  process.stderr.write(`${kind} probe ${host}:${port}: ${msg}\n`);
  process.exit(1);
}

// Kafka ApiVersions request v0: the one request a SASL listener answers before authentication, so
// the probe needs no credentials. The broker answers it only once its request handlers run.
function kafkaRequest() {
  const clientId = Buffer.from('infra-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  let o = 0;
  o = body.writeInt16BE(18, o); // api_key = ApiVersions
  o = body.writeInt16BE(0, o); // api_version = 0
  o = body.writeInt32BE(42, o); // correlation_id
  o = body.writeInt16BE(clientId.length, o);
  clientId.copy(body, o);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function kafkaCheck(frame) {
  // frame: correlation_id int32, error_code int16, api_keys: int32 count, [api_key, min, max int16]...
  if (frame.readInt32BE(0) !== 42) return 'unexpected correlation id';
  const error = frame.readInt16BE(4);
  if (error !== 0) return `ApiVersions error code ${error}`;
  if (frame.readInt32BE(6) < 1) return 'no API versions listed yet';
  return null;
}

// MongoDB OP_MSG carrying the BSON document {ping: 1, $db: "admin"}.
function mongoRequest() {
  const doc = Buffer.concat([
    Buffer.alloc(4), // document length, filled below
    Buffer.from([0x10]), Buffer.from('ping\0'), int32(1), // int32 "ping": 1
    Buffer.from([0x02]), Buffer.from('$db\0'), int32(6), Buffer.from('admin\0'), // string "$db"
    Buffer.from([0x00]),
  ]);
  doc.writeInt32LE(doc.length, 0);
  const msg = Buffer.concat([Buffer.alloc(16), int32(0) /* flagBits */, Buffer.from([0]) /* section kind 0 */, doc]);
  msg.writeInt32LE(msg.length, 0); // messageLength
  msg.writeInt32LE(42, 4); // requestID
  msg.writeInt32LE(0, 8); // responseTo
  msg.writeInt32LE(2013, 12); // opCode OP_MSG
  return msg;
}

function mongoCheck(frame) {
  // frame: everything after messageLength. Look for the element `ok` (double 1.0).
  if (frame.readInt32LE(8) !== 2013) return 'reply is not OP_MSG';
  const okDouble = Buffer.concat([Buffer.from([0x01]), Buffer.from('ok\0'), Buffer.from([0, 0, 0, 0, 0, 0, 0xf0, 0x3f])]);
  const okInt = Buffer.concat([Buffer.from([0x10]), Buffer.from('ok\0'), int32(1)]);
  if (frame.includes(okDouble) || frame.includes(okInt)) return null;
  return 'ping reply does not contain ok: 1';
}

function int32(n) {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

const sock = net.connect({ host, port });
const timer = setTimeout(() => {
  sock.destroy();
  fail('timed out');
}, 3000);
let buf = Buffer.alloc(0);

sock.on('connect', () => sock.write(kind === 'kafka' ? kafkaRequest() : mongoRequest()));
sock.on('error', (e) => fail(e.code || e.message));
sock.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  if (buf.length < 4) return;
  // Kafka: big-endian size excluding itself; Mongo: little-endian length including itself.
  const total = kind === 'kafka' ? buf.readInt32BE(0) + 4 : buf.readInt32LE(0);
  if (buf.length < total) return;
  clearTimeout(timer);
  sock.destroy();
  const problem = kind === 'kafka' ? kafkaCheck(buf.subarray(4, total)) : mongoCheck(buf.subarray(4, total));
  if (problem) fail(problem);
  process.exit(0);
});
sock.on('close', () => fail('connection closed before a full reply'));
