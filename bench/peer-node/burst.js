'use strict';
// A burst of payment events for the delivery benchmark: PAYMENTS payments, EVENTS events each, every payment's
// events posted one after the other in order (its time stamps moving on), CONCURRENCY payments at a time.
// The payment whose id contains POISON is the one the sink refuses. Prints how many were answered 200.
const http = require('node:http');

const [url, secret, payments, events, concurrency] = process.argv.slice(2);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const run = Date.now().toString(36);

function post(body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: { 'Content-Type': 'application/json', 'mono-webhook-secret': secret, 'Content-Length': Buffer.byteLength(body) } },
      res => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    req.end(body);
  });
}

function event(payment, n, last) {
  const status = n === last ? 'successful' : 'processing';
  const at = new Date(Date.UTC(2024, 4, 1, 10, 0, n)).toISOString();
  return JSON.stringify({ event: 'direct_debit.payment_' + status, event_id: `evt_${run}_${payment}_${n}`, timestamp: at,
    data: { type: 'onetime-debit', object: { id: payment, status, amount: 50000, fee: 300, currency: 'NGN', account: 'acc_1',
      reference: 'ref_' + payment, liveMode: true, created_at: at, updated_at: at } } });
}

(async () => {
  let ok = 0;
  let next = 0;
  const ids = Array.from({ length: Number(payments) }, (_, i) => (i === 0 ? `txd_POISON_${run}` : `txd_${run}_${i}`));
  const worker = async () => {
    while (next < ids.length) {
      const payment = ids[next++];
      for (let n = 0; n < Number(events); n++) {
        if (await post(event(payment, n, Number(events) - 1)) === 200) ok++;
      }
    }
  };
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  console.log(`posted ${ok} of ${Number(payments) * Number(events)} (first payment ${ids[0]})`);
})();
