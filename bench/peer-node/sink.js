'use strict';
// Delivery sink for the benchmarks: the gateway's HTTP destination. Answers 200 to every POST after reading
// its body (SINK_DELAY_MS later: an ESB across a network), or 500 when the body contains SINK_REFUSE (a
// consumer bug on one object). Counts nothing: the gateway's deliveries table says what was delivered.
const http = require('node:http');

const PORT = Number(process.env.PORT || 18082);
const DELAY_MS = Number(process.env.SINK_DELAY_MS || 0);
const REFUSE = process.env.SINK_REFUSE || '';
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', chunk => chunks.push(chunk));
  req.on('end', () => {
    const status = REFUSE && Buffer.concat(chunks).includes(REFUSE) ? 500 : 200;
    const answer = () => { res.writeHead(status, { 'Content-Length': '0' }); res.end(); };
    if (DELAY_MS > 0) setTimeout(answer, DELAY_MS); else answer();
  });
}).listen(PORT, '127.0.0.1', () => console.log(`sink listening on port ${PORT}`));
