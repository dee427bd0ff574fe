-- wrk script for bench/bench_learners.py: 1 MiB Range reads at random places in one file, as
-- video players do when learners seek. Arguments (after --): the file's size in bytes.

local CHUNK = 1024 * 1024
local chunks = 1

function init(args)
  chunks = math.max(1, math.floor(tonumber(args[1]) / CHUNK))
  math.randomseed(os.time())
end

function request()
  local start = math.random(0, chunks - 1) * CHUNK
  return wrk.format("GET", nil, { Range = string.format("bytes=%d-%d", start, start + CHUNK - 1) })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
