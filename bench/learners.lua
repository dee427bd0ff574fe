-- wrk script for bench/bench_learners.py: a classroom of learners on one hub.
-- Every request is the next step of a shuffled, weighted mix that the bench writes to a file
-- (browse, search, open lessons, post progress, sign in); requests rotate through the learners'
-- session cookies. Each connection is one learner's phone, pausing between requests.
-- Arguments (after --): data file, mean think time in ms, this run's number.

local learners, steps = {}, {}
local think_ms = 0
local counter, step_index, learner_index = 0, 0, 0
local prefix = 0
local CSRF = "benchcsrftokenbenchcsrftoken"

function init(args)
  for line in io.lines(args[1]) do
    local fields = {}
    for field in string.gmatch(line, "[^\t]+") do fields[#fields + 1] = field end
    if fields[1] == "L" then
      learners[#learners + 1] = { token = fields[2], group = fields[3], id = fields[4] }
    elseif fields[1] == "R" then
      steps[#steps + 1] = { method = fields[2], path = fields[3], kind = fields[4] }
    end
  end
  think_ms = tonumber(args[2]) or 0
  -- The bench gives each run its own number, so event ids never repeat across runs.
  prefix = tonumber(args[3]) or 0
  math.randomseed(prefix)
end

-- Unique per request and per run: the run's number, then a counter.
local function event_id()
  counter = counter + 1
  return string.format("%08x-0000-4000-8000-%012x", prefix, counter)
end

function request()
  step_index = step_index % #steps + 1
  learner_index = learner_index % #learners + 1
  local step, learner = steps[step_index], learners[learner_index]
  local headers = { Cookie = "hub_learner=" .. learner.token .. "; hub_csrf=" .. CSRF }
  local path = step.path:gsub("{group}", learner.group):gsub("{learner}", learner.id)
  local body = nil
  if step.kind:sub(1, 9) == "progress:" then
    local course, lesson = step.kind:match("progress:([^:]+):([^:]+)")
    headers["Content-Type"] = "application/json"
    body = string.format(
      '{"events":[{"id":"%s","type":"time_spent","course_id":"%s","lesson_id":"%s",' ..
      '"payload":{"seconds":5}}]}', event_id(), course, lesson)
  elseif step.kind == "signin" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    body = "csrf=" .. CSRF .. "&pin=4821"
  end
  return wrk.format(step.method, path, headers, body)
end

-- wrk asks delay() before each request on a connection: uniform around the mean think time.
function delay()
  if think_ms <= 0 then return 0 end
  return math.random(0, 2 * think_ms)
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
