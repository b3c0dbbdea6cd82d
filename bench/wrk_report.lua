-- wrk script of bench/bench_load.py: optional rotation over many paths (one per line in the
-- file named by WRK_PATHS), and one JSON line of results at the end.

local paths = {}
local file_name = os.getenv("WRK_PATHS")
if file_name then
  for line in io.lines(file_name) do
    if line ~= "" then paths[#paths + 1] = line end
  end
end

if #paths > 0 then
  request = function()
    return wrk.format(nil, paths[math.random(#paths)])
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout, errors.status
  ))
end
