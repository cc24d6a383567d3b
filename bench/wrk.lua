-- wrk script for bench/http_bench.py: POSTs one activity template per request with a fresh id
-- (@N@) and, for thread replies, one of the seeded threads (@K@) and a day of the month (@D@, so
-- that each reply moves the action's date: a report that changes nothing writes nothing), then
-- prints a JSON summary.
local template, threads, counter = nil, 1, 0

function init(args)
  local file = assert(io.open(args[1]))
  template = file:read("*a")
  file:close()
  threads = tonumber(args[2] or "1")
  counter = tonumber(args[3] or "0")
end

function request()
  counter = counter + 1
  local body = template:gsub("@N@", tostring(counter)):gsub("@K@", tostring(counter % threads)):gsub("@D@", tostring(counter % 28 + 1))
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "failures": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status + e.connect + e.read + e.write + e.timeout))
end
