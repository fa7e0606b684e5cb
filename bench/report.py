#!/usr/bin/env python3
"""Turns the raw run files of bench/run.sh into a table and a JSON report.

  report.py line RUNPATH          one progress line for RUNPATH.{wrk,meta}
  report.py json RUNPATH          the same run as JSON
  report.py final TAG...          table on stdout + $BENCH_OUT (JSON)

Each run is RUNPATH.wrk (wrk's output, with the BENCH_JSON line printed by
chat.lua's done()) and RUNPATH.meta (settings, CPU ticks and RSS recorded by
run.sh). Settings of the whole run come from the environment run.sh exports.
"""
import datetime
import json
import os
import platform
import subprocess
import sys

# Targets for a 2-core machine.
TARGET_ADDED_P50_US = 100.0  # added p50 latency at concurrency 1
TARGET_CPU_US = 50.0  # gateway CPU per non-streaming request
TARGET_IDLE_RSS_MB = 30.0  # gateway RSS when idle

CLK_TCK = os.sysconf("SC_CLK_TCK")


def load_run(path):
    with open(path + ".meta") as f:
        meta = json.load(f)
    wrk = None
    with open(path + ".wrk") as f:
        raw = f.read()
    for line in raw.splitlines():
        if line.startswith("BENCH_JSON "):
            wrk = json.loads(line[len("BENCH_JSON "):])
    if wrk is None:
        raise SystemExit("no BENCH_JSON line in %s.wrk:\n%s" % (path, raw))
    run = dict(meta)
    secs = wrk["duration_us"] / 1e6
    n = wrk["requests"]
    errors = sum(wrk["errors"].values())
    run.update({
        "requests": n,
        "duration_s": round(secs, 3),
        "rps": round(n / secs, 1) if secs else 0.0,
        "errors": wrk["errors"],
        "error_count": errors,
        "bytes": wrk["bytes"],
        "latency_us": wrk["latency_us"],
    })
    for who in ("gw", "mock"):
        u = meta[who + "_utime_ticks"] / CLK_TCK
        s = meta[who + "_stime_ticks"] / CLK_TCK
        run[who + "_cpu_s"] = {"user": round(u, 3), "sys": round(s, 3)}
        if meta["target"] == "gateway" or who == "mock":
            run[who + "_cpu_us_per_req"] = round((u + s) * 1e6 / n, 2) if n else None
            run[who + "_cpu_util"] = round((u + s) / meta["wall_s"], 3) if meta["wall_s"] else None
    # CPU used on the machine during the run by anything but the gateway,
    # the mock and wrk (e.g. a concurrent build): a noise indicator, in % of
    # all cores.
    known = (meta["gw_utime_ticks"] + meta["gw_stime_ticks"] + meta["mock_utime_ticks"] +
             meta["mock_stime_ticks"] + meta["wrk_cpu_s"] * CLK_TCK)
    total = meta.get("machine_total_ticks") or 0
    run["other_cpu_pct"] = (round(max(0.0, meta["machine_busy_ticks"] - known) * 100 / total, 1)
                            if total else None)
    run["wrk_cpu_util"] = round(meta["wrk_cpu_s"] / meta["wall_s"], 3) if meta["wall_s"] else None
    for k in ("machine_busy_ticks", "machine_total_ticks"):
        run.pop(k, None)
    if meta["target"] != "gateway":
        for k in ("gw_cpu_s", "gw_rss_load_kb", "gw_hwm_kb"):
            run.pop(k, None)
    for k in ("gw_utime_ticks", "gw_stime_ticks", "mock_utime_ticks", "mock_stime_ticks"):
        run.pop(k, None)
    return run


def fmt_us(v):
    if v is None:
        return "-"
    if v >= 10000:
        return "%.1fms" % (v / 1000)
    return "%dus" % round(v)


def line(run):
    lat = run["latency_us"]
    s = "%-16s %-8s c=%-3d %9.0f rps  p50 %8s  p99 %8s" % (
        run["scenario"], run["target"], run["conns"], run["rps"],
        fmt_us(lat["p50"]), fmt_us(lat["p99"]))
    if run["target"] == "gateway":
        s += "  gw cpu %.1fus/req (%.0f%% of a core)" % (
            run["gw_cpu_us_per_req"], 100 * run["gw_cpu_util"])
    if run["other_cpu_pct"] is not None and run["other_cpu_pct"] >= 5:
        s += "  (other load on the machine: %.0f%%)" % run["other_cpu_pct"]
    if run["error_count"]:
        s += "  ERRORS %s" % run["errors"]
    return "[bench] " + s


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    model = l.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kb = None
    try:
        with open("/proc/meminfo") as f:
            for l in f:
                if l.startswith("MemTotal:"):
                    mem_kb = int(l.split()[1])
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "mem_total_mb": round(mem_kb / 1024) if mem_kb else None,
    }


def git_rev():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def env_int(name):
    v = os.environ.get(name, "")
    return int(v) if v.strip().isdigit() else None


def final(tags):
    work = os.environ["BENCH_WORK"]
    runs = [load_run(os.path.join(work, "runs", t)) for t in tags]
    by = {(r["scenario"], r["target"]): r for r in runs}
    scenarios = []
    for r in runs:
        if r["scenario"] not in scenarios:
            scenarios.append(r["scenario"])

    # Gateway overhead per scenario.
    overhead = {}
    for s in scenarios:
        d, g = by.get((s, "direct")), by.get((s, "gateway"))
        baseline = s
        if g and not d and not g["stream"]:
            # Gateway-only scenarios (fallback routes): against the plain
            # unary direct run with as many connections.
            baseline = "unary_c%d" % g["conns"]
            d = by.get((baseline, "direct"))
        if not d or not g:
            continue
        o = {"baseline": baseline + " direct"}
        for q in ("p50", "p90", "p99", "mean"):
            o["added_%s_us" % q] = round(g["latency_us"][q] - d["latency_us"][q], 1)
        o["rps_ratio"] = round(g["rps"] / d["rps"], 3) if d["rps"] else None
        overhead[s] = o

    ttfb = {}
    for who in ("direct", "gateway"):
        p = os.path.join(work, "runs", "ttfb_%s.json" % who)
        if os.path.exists(p):
            with open(p) as f:
                ttfb[who] = json.load(f)
    if "direct" in ttfb and "gateway" in ttfb:
        ttfb["added_first_event_p50_us"] = round(
            ttfb["gateway"]["first_event_us"]["p50"] - ttfb["direct"]["first_event_us"]["p50"], 1)
        ttfb["added_done_p50_us"] = round(
            ttfb["gateway"]["done_us"]["p50"] - ttfb["direct"]["done_us"]["p50"], 1)

    lo, hi = os.environ.get("CONNS_LOW", "1"), os.environ.get("CONNS_HIGH", "64")
    rss_idle = env_int("RSS_IDLE_KB")
    rss_after = env_int("RSS_AFTER_KB")
    hwm = env_int("HWM_KB")
    memory = {
        "rss_idle_kb": rss_idle,
        "rss_idle_after_load_kb": rss_after,
        "rss_peak_kb": hwm,
        "rss_under_load_kb": {r["scenario"]: r["gw_rss_load_kb"] for r in runs
                              if r["target"] == "gateway"},
    }

    targets = []
    split = os.environ.get("PIN") == "1"
    for scen, label in (("unary_c" + lo, " (split cores)" if split else ""),
                        ("unary_c%s_1core" % lo, " (one core)")):
        o = overhead.get(scen)
        if o:
            v = o["added_p50_us"]
            targets.append({"name": "added p50 latency, unary, c=%s%s" % (lo, label), "value": v,
                            "unit": "us", "limit": TARGET_ADDED_P50_US,
                            "met": v <= TARGET_ADDED_P50_US, "scenario": scen})
    for scen, label in (("unary_c" + lo, "c=%s" % lo), ("unary_c%s_1core" % lo, "c=%s, one core" % lo),
                        ("unary_c" + hi, "c=%s" % hi)):
        g = by.get((scen, "gateway"))
        if g:
            v = g["gw_cpu_us_per_req"]
            targets.append({"name": "gateway CPU per unary request, %s" % label, "value": v,
                            "unit": "us", "limit": TARGET_CPU_US, "met": v <= TARGET_CPU_US,
                            "scenario": scen})
    if rss_idle is not None:
        v = round(rss_idle / 1024, 1)
        targets.append({"name": "gateway idle RSS (after start-up)", "value": v, "unit": "MB",
                        "limit": TARGET_IDLE_RSS_MB, "met": v <= TARGET_IDLE_RSS_MB})
    if rss_after is not None:
        v = round(rss_after / 1024, 1)
        targets.append({"name": "gateway idle RSS (after the load runs)", "value": v,
                        "unit": "MB", "limit": TARGET_IDLE_RSS_MB,
                        "met": v <= TARGET_IDLE_RSS_MB})

    report = {
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_rev": git_rev(),
        "machine": machine(),
        "loadavg_at_start": os.environ.get("LOADAVG_START"),
        "build": {"command": os.environ.get("BUILD_CMD_STR"),
                  "skipped": os.environ.get("SKIP_BUILD") == "1",
                  "gateway_binary": os.environ.get("GW_BIN"),
                  "mock_binary": os.environ.get("MOCK_BIN")},
        "settings": {
            "duration_s": env_int("DURATION"), "warmup_s": env_int("WARMUP"),
            "wrk_threads": env_int("WRK_THREADS"), "mock_threads": env_int("MOCK_THREADS"),
            "gateway_worker_threads": env_int("GW_THREADS"),
            "unary_words": env_int("WORDS"), "stream_words": env_int("STREAM_WORDS"),
            "pinning": ("wrk+mock on cpu %s, gateway on cpu %s" %
                        (os.environ.get("CORE_LOAD"), os.environ.get("CORE_GW"))
                        if os.environ.get("PIN") == "1" else "off"),
            "config": os.environ.get("CONFIG_USED"),
            "nice": os.environ.get("NICE"),
        },
        "runs": runs,
        "overhead": overhead,
        "ttfb": ttfb or None,
        "memory": memory,
        "fallback": os.environ.get("FALLBACK_STATUS"),
        "targets": targets,
    }
    out = os.environ["BENCH_OUT"]
    with open(out + ".tmp", "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    os.replace(out + ".tmp", out)

    # ---- human-readable table
    m = report["machine"]
    print()
    print("Across AI Gateway benchmark  (%s, %s)" % (report["timestamp"], report["git_rev"] or "?"))
    print("machine: %s x %s, kernel %s; load average at start %s" % (
        m["nproc"], m["cpu_model"], m["kernel"], report["loadavg_at_start"]))
    print("settings: %ss runs (+%ss warm-up), %s, nice %s; unary %s words, stream %s words" % (
        os.environ.get("DURATION"), os.environ.get("WARMUP"), report["settings"]["pinning"],
        os.environ.get("NICE"),
        os.environ.get("WORDS"), os.environ.get("STREAM_WORDS")))
    print()
    hdr = "%-17s %-8s %4s %9s %8s %8s %8s %8s %6s %10s %7s %9s %6s" % (
        "scenario", "path", "conn", "rps", "p50", "p90", "p99", "max", "errors",
        "gw cpu/req", "gw cpu", "gw rss", "other")
    print(hdr)
    print("-" * len(hdr))
    for r in runs:
        lat = r["latency_us"]
        gw = r["target"] == "gateway"
        print("%-17s %-8s %4d %9.0f %8s %8s %8s %8s %6d %10s %7s %9s %6s" % (
            r["scenario"], r["target"], r["conns"], r["rps"], fmt_us(lat["p50"]),
            fmt_us(lat["p90"]), fmt_us(lat["p99"]), fmt_us(lat["max"]), r["error_count"],
            ("%.1fus" % r["gw_cpu_us_per_req"]) if gw else "",
            ("%.0f%%" % (100 * r["gw_cpu_util"])) if gw else "",
            ("%.1fMB" % (r["gw_rss_load_kb"] / 1024)) if gw else "",
            "%.0f%%" % r["other_cpu_pct"] if r["other_cpu_pct"] is not None else "-"))
    print("(gw cpu: gateway CPU time per request and in % of one core; gw rss: peak sampled\n"
          " during the run; other: CPU used by anything else on the machine, % of all cores)")
    print()
    if overhead:
        print("added by the gateway (gateway minus direct):")
        for s, o in overhead.items():
            note = "" if o["baseline"] == s + " direct" else "  (vs %s)" % o["baseline"]
            print("  %-17s p50 %+7.0fus  p90 %+7.0fus  p99 %+7.0fus  rps x%.2f%s" % (
                s, o["added_p50_us"], o["added_p90_us"], o["added_p99_us"], o["rps_ratio"], note))
    if "added_first_event_p50_us" in ttfb:
        print("streaming time to first event, c=1, p50: direct %s, gateway %s (added %+.0fus); "
              "whole stream p50: direct %s, gateway %s" % (
                  fmt_us(ttfb["direct"]["first_event_us"]["p50"]),
                  fmt_us(ttfb["gateway"]["first_event_us"]["p50"]),
                  ttfb["added_first_event_p50_us"],
                  fmt_us(ttfb["direct"]["done_us"]["p50"]),
                  fmt_us(ttfb["gateway"]["done_us"]["p50"])))
    print("gateway memory: idle %.1f MB after start-up, %.1f MB idle after the runs, peak (VmHWM) %.1f MB"
          % ((rss_idle or 0) / 1024, (rss_after or 0) / 1024, (hwm or 0) / 1024))
    print("fallback scenario: %s" % report["fallback"])
    print()
    print("targets:")
    for t in targets:
        print("  [%s] %-50s %8.1f %s (target <= %g %s)" % (
            "met" if t["met"] else "MISSED", t["name"], t["value"], t["unit"], t["limit"],
            t["unit"]))
    errs = sum(r["error_count"] for r in runs)
    if errs:
        print("\nWARNING: %d request errors (connect/read/write/timeout/non-2xx); see runs[].errors" % errs)
    print("\nwritten: %s" % out)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "line":
        print(line(load_run(sys.argv[2])))
    elif len(sys.argv) >= 3 and sys.argv[1] == "json":
        print(json.dumps(load_run(sys.argv[2])))
    elif len(sys.argv) >= 2 and sys.argv[1] == "final":
        final(sys.argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
