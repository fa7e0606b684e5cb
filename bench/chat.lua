-- wrk script for bench/run.sh: POSTs one small OpenAI chat completion
-- request over and over on keep-alive connections, then prints the latency
-- distribution as one JSON line (prefixed "BENCH_JSON ") from done().
--
-- Settings come from the environment so that the same script drives the
-- direct-to-mock and the through-the-gateway runs:
--   BENCH_MODEL   model name in the body             (default "bench")
--   BENCH_WORDS   answer size asked of the mock      (default 16)
--   BENCH_STREAM  "1" → "stream": true (SSE answer)  (default "0")
--   BENCH_PATH    request path                       (default /v1/chat/completions)
--
-- The answer size is asked for twice, as the x-mock-words header and as the
-- body's "mock" object, so it takes effect whether or not the gateway
-- forwards client headers or unknown body fields upstream (the mock reads
-- both; run.sh checks that both paths really get the same answer).

local model = os.getenv("BENCH_MODEL") or "bench"
local words = tonumber(os.getenv("BENCH_WORDS") or "16") or 16
local stream = os.getenv("BENCH_STREAM") == "1"

wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-mock-words"] = tostring(words)
wrk.body = string.format(
  '{"model":"%s","messages":[' ..
  '{"role":"system","content":"You are a terse assistant."},' ..
  '{"role":"user","content":"Say hello in a few words."}],' ..
  '"max_tokens":128,"temperature":0.2,"stream":%s,"mock":{"words":%d}}',
  model, stream and "true" or "false", words)

function done(summary, latency, requests)
  local e = summary.errors
  local function p(q) return latency:percentile(q) end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,' ..
    '"p50":%d,"p75":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    p(50), p(75), p(90), p(99), p(99.9)))
end
