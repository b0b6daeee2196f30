-- wrk script: POSTs unique, realistic Mono events (a fresh event_id, payment id and reference on
-- every request) and counts the answers per status. Environment: BENCH_SECRET, BENCH_DELAY_MS
-- (pause between a connection's requests, for a paced load; 0 = as fast as possible; a fraction such as 2.4 pauses
-- 2 ms or 3 ms at random, 2.4 ms on average: wrk's pauses are whole milliseconds).
local threads = {}
local secret = os.getenv("BENCH_SECRET") or "bench-secret"
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  ok, other, n = 0, 0, 0
  math.randomseed(tid * 7919 + os.time())
  -- BENCH_RUN tells apart two wrk processes started in the same second (same seeds otherwise).
  run = (os.getenv("BENCH_RUN") or "") .. string.format("%x%x", os.time(), math.random(0, 0xffffff))
end

function request()
  n = n + 1
  local id = string.format("%s_%d_%d", run, tid, n)
  local amount = math.random(10, 500000) * 100
  local body = string.format(
    '{"event":"direct_debit.payment_successful","event_id":"evt_%s","timestamp":"2024-05-01T10:00:00.000Z",'
    .. '"data":{"type":"onetime-debit","object":{"id":"txd_%s","status":"successful","amount":%d,"fee":300,'
    .. '"currency":"NGN","description":"Order %d","reference":"ref_%s","liveMode":true,"customer":null,'
    .. '"account":{"_id":"acc_%d","name":"ADAEZE OKAFOR","accountNumber":"0123456789","currency":"NGN",'
    .. '"institution":{"name":"GTBank","bankCode":"058","type":"PERSONAL_BANKING"}},'
    .. '"created_at":"2024-05-01T09:59:00.000Z","updated_at":"2024-05-01T10:00:00.000Z"}}}',
    id, id, amount, n, id, tid)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["mono-webhook-secret"] = secret}, body)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

function delay()
  local whole = math.floor(pause)
  if math.random() < pause - whole then return whole + 1 end
  return whole
end

function done(summary, latency, requests)
  local acked, failed = 0, 0
  for _, t in ipairs(threads) do
    acked = acked + t:get("ok")
    failed = failed + t:get("other")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("BENCH acked=%d non200=%d errors=%d seconds=%.2f rate=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    acked, failed, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    seconds, acked / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
