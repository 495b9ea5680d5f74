-- wrk script: POST the body in $BODY_FILE to the path given as the first script argument.
local body_file = os.getenv("BODY_FILE")
local f = assert(io.open(body_file, "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- A binary tensor body (the binary tensor extension): $HEADER_LENGTH is its JSON part's size.
local header_length = os.getenv("HEADER_LENGTH")
if header_length and header_length ~= "" then
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.headers["Inference-Header-Content-Length"] = header_length
end

function init(args)
  if args[1] then wrk.path = args[1] end
end

-- No response() callback: wrk calls into Lua for every reply when one is defined, which
-- makes the client, not the server, the bottleneck; summary.errors.status counts non-2xx.
function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_us=%d p99_us=%d non2xx=%d errors=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.requests))
end
