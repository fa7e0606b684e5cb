#!/usr/bin/env python3
"""Time to first byte of a streamed chat completion, for bench/run.sh.

wrk only sees the whole response, so this small client sends N streaming
requests one after another on one keep-alive connection (concurrency 1) and
times, per request, from the last byte of the request written to
  - head: the first response byte (status line),
  - first_event: the first byte of the first SSE "data:" event,
  - done: the terminating zero-length chunk.
The gateway sends its headers together with its first event, the mock sends
its headers first, so `first_event` is the comparable time to first byte.

Usage: ttfb.py --port N --model M --words W --requests R [--warmup K]
Prints one JSON object with p50/p90/p99 (microseconds) of each measure.
"""
import argparse
import json
import socket
import sys
import time


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def summarize(values_s):
    v = sorted(x * 1e6 for x in values_s)
    return {
        "p50": round(percentile(v, 50), 1),
        "p90": round(percentile(v, 90), 1),
        "p99": round(percentile(v, 99), 1),
        "mean": round(sum(v) / len(v), 1),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--model", default="bench")
    ap.add_argument("--words", type=int, default=50)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    args = ap.parse_args()

    body = json.dumps({
        "model": args.model,
        "messages": [
            {"role": "system", "content": "You are a terse assistant."},
            {"role": "user", "content": "Say hello in a few words."},
        ],
        "max_tokens": 128,
        "temperature": 0.2,
        "stream": True,
        "mock": {"words": args.words},
    }, separators=(",", ":")).encode()
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\n"
        b"Host: 127.0.0.1:" + str(args.port).encode() + b"\r\n"
        b"Content-Type: application/json\r\n"
        b"x-mock-words: " + str(args.words).encode() + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    sock = socket.create_connection(("127.0.0.1", args.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head, first, done = [], [], []
    errors = 0
    for i in range(args.warmup + args.requests):
        sock.sendall(request)
        t0 = time.perf_counter()
        buf = b""
        t_head = t_first = None
        header_end = -1
        while True:
            data = sock.recv(65536)
            now = time.perf_counter()
            if not data:
                print(json.dumps({"error": "connection closed"}))
                return 1
            if t_head is None:
                t_head = now
            buf += data
            if header_end < 0:
                header_end = buf.find(b"\r\n\r\n")
            if header_end >= 0 and t_first is None and buf.find(b"data:", header_end) >= 0:
                t_first = now
            if header_end >= 0 and buf.endswith(b"\r\n0\r\n\r\n"):
                break
        if not buf.startswith(b"HTTP/1.1 200"):
            errors += 1
        if i < args.warmup:
            continue
        head.append(t_head - t0)
        first.append((t_first or now) - t0)
        done.append(now - t0)
    sock.close()
    print(json.dumps({
        "requests": args.requests,
        "non_200": errors,
        "head_us": summarize(head),
        "first_event_us": summarize(first),
        "done_us": summarize(done),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
