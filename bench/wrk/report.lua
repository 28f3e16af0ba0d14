-- wrk script for the read endpoints: no per-request Lua (the fast path), and one
-- machine-readable line at the end for bench/compare.py:
--   WRKJSON {"requests":..,"duration_us":..,"latency_us":{"p50":..,"p99":..},...}
-- Non-2xx/3xx responses are counted in errors.status.

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
