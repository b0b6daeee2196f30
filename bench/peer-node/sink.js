'use strict';
// Delivery sink for the capacity benchmark's delivery phase: the gateway's HTTP destination. Answers 200 to
// every POST after reading its body, counts nothing (the gateway's deliveries table says what was delivered).
const http = require('node:http');

const PORT = Number(process.env.PORT || 18082);
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'Content-Length': '0' }); res.end(); });
}).listen(PORT, '127.0.0.1', () => console.log(`sink listening on port ${PORT}`));
