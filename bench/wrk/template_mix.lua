-- wrk script for the write mix: POST /v1/clustertemplates alternating with DELETE of a
-- template this thread created earlier (names taken from 201 responses, so a DELETE never
-- races its own create). When creates fail (the original: they need Glance through a
-- Keystone catalog) there is nothing to delete and every request is a POST.
-- Names are w<run>-<thread>-<n>; <run> (the script's first argument, after `--` on wrk's
-- command line) keeps the leftovers of one run (in flight when it stopped) from clashing
-- with the names of the next.
-- Prints one line: WRKJSON {..., "sent":{"POST":n,"DELETE":n}, "status":{"201":n,...}}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  run = args[1] or "0"
  created = {}
  n = 0
  sent = {POST = 0, DELETE = 0}
  statuses = {}
  want_delete = false
  hdrs = {}
  for k, v in pairs(wrk.headers) do hdrs[k] = v end
  hdrs["Content-Type"] = "application/json"
end

local function body_for(name)
  return '{"name":"' .. name .. '","coe":"kubernetes","image_id":"fake-image",' ..
         '"flavor_id":"m1.small","master_flavor_id":"m1.medium",' ..
         '"external_network_id":"public","labels":{"kube_tag":"v1.27.3"}}'
end

function request()
  want_delete = not want_delete
  if want_delete and #created > 0 then
    local name = table.remove(created)
    sent.DELETE = sent.DELETE + 1
    return wrk.format("DELETE", "/v1/clustertemplates/" .. name, wrk.headers, "")
  end
  n = n + 1
  sent.POST = sent.POST + 1
  return wrk.format("POST", "/v1/clustertemplates", hdrs,
                    body_for(string.format("w%s-%d-%d", run, tid, n)))
end

function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
  if status == 201 then
    local name = string.match(body, '"name"%s*:%s*"(w%w*%-%d+%-%d+)"')
    if name then table.insert(created, name) end
  elseif status >= 400 and not first_error then
    first_error = string.sub(body, 1, 300)
  end
end

local function json_str(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

done = function(summary, latency, requests)
  local post, del, st, err = 0, 0, {}, nil
  for _, t in ipairs(threads) do
    local s = t:get("sent")
    post = post + s.POST
    del = del + s.DELETE
    for k, v in pairs(t:get("statuses")) do st[k] = (st[k] or 0) + v end
    err = err or t:get("first_error")
  end
  local parts = {}
  for k, v in pairs(st) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},' ..
    '"sent":{"POST":%d,"DELETE":%d},"status":{%s},"first_error":%s}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, post, del, table.concat(parts, ","),
    err and json_str(err) or "null"))
end
