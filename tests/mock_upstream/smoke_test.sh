#!/usr/bin/env bash
# Smoke test of the mock upstream: every endpoint and every fault, over real
# loopback HTTP with curl. Usage: smoke_test.sh PATH/TO/mock_upstream
set -uo pipefail

MOCK="${1:?usage: smoke_test.sh MOCK_BINARY}"
if [[ -n "${TEST_TMPDIR:-}" ]]; then
  TMP="$TEST_TMPDIR"
  OWN_TMP=""
else
  TMP="$(mktemp -d)"
  OWN_TMP="$TMP"
fi
PASS=0
FAIL=0
MOCK_PID=""

cleanup() {
  if [[ -n "$MOCK_PID" ]] && kill -0 "$MOCK_PID" 2>/dev/null; then
    kill -KILL "$MOCK_PID" 2>/dev/null
  fi
  if [[ -n "$OWN_TMP" ]]; then rm -rf "$OWN_TMP"; fi
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }
# expect_contains NAME HAYSTACK NEEDLE
expect_contains() {
  if [[ "$2" == *"$3"* ]]; then ok; else bad "$1: missing [$3] in [${2:0:600}]"; fi
}
expect_not_contains() {
  if [[ "$2" != *"$3"* ]]; then ok; else bad "$1: unexpected [$3] in [${2:0:600}]"; fi
}
expect_eq() {
  if [[ "$2" == "$3" ]]; then ok; else bad "$1: got [$2], want [$3]"; fi
}

start_mock() {  # start_mock ARGS...: sets MOCK_PID, PORT, B
  local pf="$TMP/port.$RANDOM"
  "$MOCK" --port_file="$pf" "$@" >"$TMP/mock.stdout" 2>"$TMP/mock.stderr" &
  MOCK_PID=$!
  for _ in $(seq 1 500); do
    [[ -s "$pf" ]] && break
    sleep 0.01
  done
  PORT="$(sed -n 's/^{"port":\([0-9]*\)}$/\1/p' "$pf")"
  [[ -n "$PORT" ]] || { echo "mock did not start" >&2; cat "$TMP/mock.stderr" >&2; exit 1; }
  B="http://127.0.0.1:$PORT"
}

stop_mock() {  # stop_mock: SIGTERM, expect exit 0
  kill -TERM "$MOCK_PID"
  wait "$MOCK_PID"
  expect_eq "exit status after SIGTERM" "$?" "0"
  MOCK_PID=""
}

KEY="sk-smoke"
AUTH=(-H "Authorization: Bearer $KEY")
CHAT='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello world"}]}'
STREAM='{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"one two three"}]}'
post() { curl -sS "${AUTH[@]}" -H 'Content-Type: application/json' "$@"; }

start_mock --require_key="$KEY" --threads=2
expect_eq "stdout port line" "$(head -n1 "$TMP/mock.stdout")" "{\"port\":$PORT}"

# ---- auth
out="$(curl -s -w ' %{http_code}' "$B/v1/chat/completions" -d "$CHAT")"
expect_eq "missing key" "$out" '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}} 401'
out="$(curl -s -w ' %{http_code}' -H 'Authorization: Bearer nope' "$B/v1/chat/completions" -d "$CHAT")"
expect_contains "wrong key" "$out" '"code":"invalid_api_key"}} 401'

# ---- chat, unary
out="$(post "$B/v1/chat/completions" -d "$CHAT")"
expect_contains "chat object" "$out" '"object":"chat.completion","created":'
expect_contains "chat id" "$out" '{"id":"chatcmpl-mock-'
expect_contains "chat model" "$out" '"model":"gpt-4o-mini"'
expect_contains "chat content" "$out" '"message":{"role":"assistant","content":"mock: hello world","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"'
expect_contains "chat usage" "$out" '"usage":{"prompt_tokens":4,"completion_tokens":3,"total_tokens":7,'
out="$(post "$B/openai/v1/chat/completions" -d '{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"part one"},{"type":"text","text":"two"}]}]}')"
expect_contains "prefixed path + text parts" "$out" '"content":"mock: part one two"'
out="$(post "$B/v1/chat/completions" -d '{"model":"m","tools":[{"type":"function","function":{"name":"get_weather","parameters":{}}}],"messages":[{"role":"user","content":"the weather?"}]}')"
expect_contains "tool call" "$out" '"content":null,"tool_calls":[{"id":"call_mock_'
expect_contains "tool call fn" "$out" '"type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]'
expect_contains "tool call finish" "$out" '"finish_reason":"tool_calls"'
out="$(post "$B/v1/chat/completions" -H 'x-mock-words: 50' -d '{"model":"m","max_tokens":3,"messages":[]}')"
expect_contains "max_tokens" "$out" '"content":"w0 w1 w2","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"length"'
out="$(post -w ' %{http_code}' "$B/v1/chat/completions" -d '{"model":"m"}')"
expect_contains "missing messages" "$out" '"param":"messages","code":"missing_required_parameter"}} 400'

# ---- chat, stream
out="$(post -N -i "$B/v1/chat/completions" -d "$STREAM" | tr -d '\r')"
expect_contains "sse content-type" "$out" 'content-type: text/event-stream'
expect_contains "sse chunked" "$out" 'transfer-encoding: chunked'
expect_contains "sse role" "$out" '"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}'
expect_contains "sse word" "$out" '"delta":{"content":" two"}'
expect_contains "sse finish" "$out" '"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}'
expect_contains "sse usage" "$out" '"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,'
expect_eq "sse events" "$(grep -c '^data: ' <<<"$out")" "8"
expect_eq "sse last" "$(grep '^data: ' <<<"$out" | tail -n1)" "data: [DONE]"
out="$(post -N "$B/v1/chat/completions" -d '{"model":"m","stream":true,"tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":"weather"}]}')"
expect_contains "sse tool" "$out" '"tool_calls":[{"index":0,"id":"call_mock_'
expect_contains "sse tool finish" "$out" '"finish_reason":"tool_calls"'

# ---- embeddings, models, 404
out="$(post "$B/v1/embeddings" -d '{"model":"text-embedding-3-small","input":["a b","c"]}')"
expect_contains "embeddings" "$out" '{"object":"list","data":[{"object":"embedding","index":0,"embedding":['
expect_contains "embeddings usage" "$out" '"model":"text-embedding-3-small","usage":{"prompt_tokens":3,"total_tokens":3}}'
expect_eq "embeddings dims" "$(sed 's/.*"index":1,"embedding":\[\([^]]*\)\].*/\1/' <<<"$out" | tr ',' '\n' | wc -l)" "8"
again="$(post "$B/v1/embeddings" -d '{"model":"text-embedding-3-small","input":["a b","c"]}')"
expect_eq "embeddings deterministic" "$again" "$out"
out="$(post "$B/v1/embeddings" -d '{"model":"e","input":"x","dimensions":3}')"
expect_eq "embeddings dimensions" "$(sed 's/.*"embedding":\[\([^]]*\)\].*/\1/' <<<"$out" | tr ',' '\n' | wc -l)" "3"
out="$(post "$B/v1/embeddings" -d '{"model":"e","input":"x","dimensions":4,"encoding_format":"base64"}')"
expect_contains "embeddings base64" "$out" '"embedding":"'
out="$(curl -s "${AUTH[@]}" "$B/v1/models")"
expect_contains "models" "$out" '{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":'
out="$(curl -s "${AUTH[@]}" "$B/v1/models/gpt-4o")"
expect_contains "model" "$out" '{"id":"gpt-4o","object":"model"'
out="$(curl -s -w ' %{http_code}' "$B/v1/nope")"
expect_eq "404" "$out" '{"error":{"message":"Invalid URL (GET /v1/nope)","type":"invalid_request_error","param":null,"code":null}} 404'

# ---- faults
out="$(post -i "$B/v1/chat/completions" -H 'x-mock-status: 429' -H 'x-mock-retry-after: 2' -H 'x-mock-retry-after-ms: 150' -d "$CHAT" | tr -d '\r')"
expect_contains "429 status" "$out" 'HTTP/1.1 429 Too Many Requests'
expect_contains "429 retry-after" "$out" 'retry-after: 2'
expect_contains "429 retry-after-ms" "$out" 'retry-after-ms: 150'
expect_contains "429 body" "$out" '{"error":{"message":"mock error 429","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}'
for s in 400:invalid_request_error 401:authentication_error 403:permission_error 404:not_found_error 500:api_error 503:api_error; do
  out="$(post -w ' %{http_code}' "$B/v1/chat/completions" -H "x-mock-status: ${s%%:*}" -d "$CHAT")"
  expect_contains "status $s" "$out" "\"type\":\"${s#*:}\""
  expect_contains "status $s code" "$out" " ${s%%:*}"
done
out="$(post -i "$B/v1/chat/completions" -d '{"model":"m","messages":[],"mock":{"status":503,"retry_after":1}}' | tr -d '\r')"
expect_contains "body mock status" "$out" 'HTTP/1.1 503 Service Unavailable'
expect_contains "body mock retry" "$out" 'retry-after: 1'
out="$(post -o /dev/null -w '%{time_total}' "$B/v1/chat/completions" -H 'x-mock-latency-ms: 300' -d "$CHAT")"
expect_eq "latency" "$(awk -v t="$out" 'BEGIN { print (t >= 0.3) }')" "1"
post "$B/v1/chat/completions" -H 'x-mock-reset: before_headers' -d "$CHAT" >/dev/null 2>&1
expect_eq "reset before_headers" "$?" "56"
out="$(post -N "$B/v1/chat/completions" -H 'x-mock-reset: mid_stream' -H 'x-mock-words: 20' -d "$STREAM" 2>/dev/null)"
rc=$?
expect_eq "reset mid_stream rc" "$rc" "56"
expect_contains "reset mid_stream chunks" "$out" '"delta":{"content":"w0"}'
out="$(post -N "$B/v1/chat/completions" -H 'x-mock-truncate: 1' -d "$STREAM" 2>/dev/null)"
expect_eq "truncate stream rc" "$?" "18"
expect_not_contains "truncate stream no DONE" "$out" '[DONE]'
expect_eq "truncate stream events" "$(grep -c '^data: ' <<<"$out")" "4"
post "$B/v1/chat/completions" -H 'x-mock-truncate: 1' -d "$CHAT" >/dev/null 2>&1
expect_eq "truncate unary rc" "$?" "18"
out="$(post -N -o /dev/null -w '%{time_total}' "$B/v1/chat/completions" -H 'x-mock-drip-ms: 100' -d "$STREAM")"
expect_eq "drip" "$(awk -v t="$out" 'BEGIN { print (t >= 0.6) }')" "1"
out="$(post -w ' %{http_code}' "$B/v1/chat/completions" -H 'x-mock-garbage: 1' -d "$CHAT")"
expect_contains "garbage unary" "$out" 'not JSON'
expect_contains "garbage unary status" "$out" ' 200'
out="$(post -N "$B/v1/chat/completions" -H 'x-mock-garbage: 1' -d "$STREAM")"
expect_contains "garbage stream" "$out" 'data: {not json'
out="$(post "$B/v1/chat/completions" -H 'x-mock-words: 4' -d "$CHAT")"
expect_contains "words" "$out" '"content":"w0 w1 w2 w3"'
out="$(post -N "$B/v1/chat/completions" -d '{"model":"m","stream":true,"messages":[],"mock":{"words":5}}')"
expect_eq "words stream events" "$(grep -c '^data: ' <<<"$out")" "8"
out="$(post -N "$B/v1/chat/completions" -H 'x-mock-stream-error: 1' -d "$STREAM")"
expect_eq "stream error" "$(grep '^data: ' <<<"$out" | tail -n1)" 'data: {"error":{"message":"mock mid-stream error","type":"server_error"}}'
expect_eq "stream error events" "$(grep -c '^data: ' <<<"$out")" "3"
codes=""
for _ in 1 2 3 4; do
  codes+="$(post -o /dev/null -w '%{http_code} ' "$B/v1/chat/completions" -H 'x-mock-fail-first: 2' -H 'x-mock-key: smoke' -d "$CHAT")"
done
expect_eq "fail-first" "$codes" "503 503 200 200 "
codes=""
for _ in 1 2; do
  codes+="$(post -o /dev/null -w '%{http_code} ' "$B/v1/chat/completions" -d '{"model":"m","messages":[],"mock":{"fail_first":1,"key":"k2","status":429}}')"
done
expect_eq "fail-first body" "$codes" "429 200 "

# ---- control endpoints
expect_eq "reset" "$(curl -s -X POST "$B/__mock/reset")" '{"ok":true}'
out="$(curl -s "$B/__mock/stats")"
expect_contains "stats zero" "$out" '{"requests":0,"connections":0,"by_path":{}'
curl -s "${AUTH[@]}" -o /dev/null -o /dev/null -o /dev/null "$B/v1/models" "$B/v1/models" "$B/openai/v1/models"
out="$(curl -s "$B/__mock/stats")"
expect_contains "stats keep-alive" "$out" '{"requests":3,"connections":1,"by_path":{"/openai/v1/models":1,"/v1/models":2}'
post -o /dev/null "$B/v1/chat/completions?x=1" -H 'X-Trace: abc' -d "$CHAT"
out="$(curl -s "$B/__mock/last_request")"
expect_contains "last method" "$out" '{"method":"POST","target":"/v1/chat/completions?x=1","headers":{'
expect_contains "last auth" "$out" "\"authorization\":\"Bearer $KEY\""
expect_contains "last header" "$out" '"x-trace":"abc"'
expect_contains "last body" "$out" '"body":"{\"model\":\"gpt-4o-mini\",'
codes=""
for _ in 1 2; do
  codes+="$(post -o /dev/null -w '%{http_code} ' "$B/v1/chat/completions" -H 'x-mock-fail-first: 1' -H 'x-mock-key: smoke' -d "$CHAT")"
done
expect_eq "fail-first after reset" "$codes" "503 200 "

stop_mock

# ---- no key required; SIGINT
start_mock
out="$(curl -s "$B/v1/chat/completions" -d "$CHAT")"
expect_contains "no key needed" "$out" '"content":"mock: hello world"'
kill -INT "$MOCK_PID"
wait "$MOCK_PID"
expect_eq "exit status after SIGINT" "$?" "0"
MOCK_PID=""

echo "$PASS passed, $FAIL failed"
[[ "$FAIL" -eq 0 ]]
