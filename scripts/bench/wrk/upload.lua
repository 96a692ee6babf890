-- wrk script for the upload workload (W8): posts the file named by UPLOAD_FILE as a
-- multipart field `file` to the path in UPLOAD_PATH. Every request changes a few bytes
-- near the start (after the PDF magic), so no two uploads are the same content and
-- the server really stores each one. The summary is printed as one JSON line.

local head, tail, path
local boundary = "dengtaBenchBoundary7d1c"
local n = 0

function init(args)
  local f = assert(io.open(os.getenv("UPLOAD_FILE"), "rb"))
  local content = f:read("*a")
  f:close()
  path = os.getenv("UPLOAD_PATH")
  head = "--" .. boundary .. "\r\n" ..
    'Content-Disposition: form-data; name="file"; filename="evidence.pdf"\r\n' ..
    "Content-Type: application/pdf\r\n\r\n" .. content:sub(1, 9)
  tail = content:sub(26) .. "\r\n--" .. boundary .. "--\r\n"
end

function request()
  n = n + 1
  local body = head .. string.format("%016d", n) .. tail
  local headers = { ["Content-Type"] = "multipart/form-data; boundary=" .. boundary }
  for k, v in pairs(wrk.headers) do
    if headers[k] == nil then
      headers[k] = v
    end
  end
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
    '"err_status":%d,"err_timeout":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max))
end
