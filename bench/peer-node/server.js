'use strict';
// Reference peer for the capacity benchmark: a plain Node webhook receiver. For each POST it checks
// the secret, parses the JSON, stores the event in PostgreSQL and answers 200. It applies nothing.
const crypto = require('node:crypto');
const express = require('express');
const { Pool } = require('pg');

const PORT = Number(process.env.PORT || 18081);
const SECRET = process.env.PEER_SECRET;
const DATABASE_URL = process.env.DATABASE_URL;
const POOL_SIZE = Number(process.env.PEER_POOL_SIZE || 16);

if (!SECRET) { console.error('PEER_SECRET is required'); process.exit(1); }
if (!DATABASE_URL) { console.error('DATABASE_URL is required (postgres://...)'); process.exit(1); }
if (!Number.isInteger(POOL_SIZE) || POOL_SIZE < 1) { console.error('PEER_POOL_SIZE must be a positive integer'); process.exit(1); }

const sha256 = (s) => crypto.createHash('sha256').update(s, 'utf8').digest();
const SECRET_HASH = sha256(SECRET);

const pool = new Pool({ connectionString: DATABASE_URL, max: POOL_SIZE });
pool.on('error', (err) => console.error('idle database connection failed:', err.message));

const INSERT = 'INSERT INTO peer_events (event_id, payload) VALUES ($1, $2::jsonb) ON CONFLICT (event_id) DO NOTHING';

// Exactly one mono-webhook-secret header (headersDistinct keeps repeats apart), compared in constant time.
function secretOk(req) {
  const values = req.headersDistinct['mono-webhook-secret'];
  return Array.isArray(values) && values.length === 1 && crypto.timingSafeEqual(sha256(values[0]), SECRET_HASH);
}

const app = express();
app.disable('x-powered-by');
app.disable('etag');

app.post('/webhooks/mono',
  (req, res, next) => (secretOk(req) ? next() : res.status(401).end()),
  // Keeps the body as sent (UTF-8, the usual case) so the stored event is the raw one, not a re-serialisation.
  express.json({ limit: '256kb', verify: (req, res, buf, encoding) => { if (encoding === 'utf-8') req.rawBody = buf; } }),
  async (req, res) => {
    const body = req.body;
    const eventId = body && typeof body === 'object' && !Array.isArray(body) ? body.event_id : undefined;
    if (typeof eventId !== 'string' || eventId === '') return res.status(400).end();
    const payload = req.rawBody ? req.rawBody.toString('utf8').replace(/^\uFEFF/, '') : JSON.stringify(body);
    try {
      await pool.query(INSERT, [eventId, payload]);
    } catch {
      return res.status(500).end();
    }
    res.status(200).end();
  });

// Errors from the body parser (malformed JSON 400, too large 413, unsupported charset 415): the status, no body, no log.
// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
  const status = err.status || err.statusCode;
  res.status(status >= 400 && status < 600 ? status : 500).end();
});

pool.query(`CREATE TABLE IF NOT EXISTS peer_events (
    id bigserial PRIMARY KEY,
    event_id text UNIQUE NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now())`)
  .then(() => {
    app.listen(PORT, () => console.log(`listening on port ${PORT} (pool ${POOL_SIZE})`))
      .on('error', (err) => { console.error(`cannot listen on port ${PORT}: ${err.message}`); process.exit(1); });
  })
  .catch((err) => { console.error(`cannot create peer_events: ${err.message}`); process.exit(1); });
