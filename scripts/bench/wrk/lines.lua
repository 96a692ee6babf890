-- wrk script for the benchmark suite: replays the requests listed in the file named
-- by the environment variable REQS, one per line, tab-separated:
--   METHOD <TAB> PATH [<TAB> JSON-BODY [<TAB> IDEMPOTENCY-KEY [<TAB> AUTHORIZATION]]]
-- Requests are built once, up front, so wrk's own cost per request stays tiny.
-- ONCE=1 sends every line at most once and then stops (for requests that can only
-- succeed once, such as a state transition). The summary is printed as one JSON line.

local reqs = {}
local i = 0
local once = os.getenv("ONCE") == "1"

function init(args)
  for line in io.lines(os.getenv("REQS")) do
    local f = {}
    for part in (line .. "\t"):gmatch("([^\t]*)\t") do
      f[#f + 1] = part
    end
    local headers = {}
    local body = nil
    if f[3] ~= nil and f[3] ~= "" then
      body = f[3]
      headers["Content-Type"] = "application/json"
    end
    if f[4] ~= nil and f[4] ~= "" then
      headers["Idempotency-Key"] = f[4]
    end
    if f[5] ~= nil and f[5] ~= "" then
      headers["Authorization"] = f[5]
    end
    -- wrk.format uses only the headers it is given: add the command line's (-H) ones.
    for k, v in pairs(wrk.headers) do
      if headers[k] == nil then
        headers[k] = v
      end
    end
    reqs[#reqs + 1] = wrk.format(f[1], f[2], headers, body)
  end
end

function request()
  i = i + 1
  if i > #reqs then
    if once then
      i = #reqs
    else
      i = 1
    end
  end
  return reqs[i]
end

function response(status, headers, body)
  if once and i >= #reqs then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
    '"err_status":%d,"err_timeout":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"mean_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean))
end
