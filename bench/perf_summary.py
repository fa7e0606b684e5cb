#!/usr/bin/env python3
"""Summarizes a `perf record -g` profile of the gateway by where time goes.

  perf script -i perf.data -F ip,sym,dso | bench/perf_summary.py [--requests N]

Two views of the same samples:
  1. by leaf: kernel time split by the system call it runs under (or
     "no syscall": interrupts, softirqs, scheduling on return to user space),
     user time by component (malloc/free, Boost.JSON, Beast/Asio, protobuf,
     prometheus-cpp, libc string/memory functions, gateway code, other);
  2. user time attributed to the nearest gateway (across::) function on the
     stack, i.e. which gateway function caused the library work.
With --requests N (requests served while recording) and --cpu-us T (gateway
CPU microseconds per request), each line also shows microseconds per request.
Used by bench/profile.sh.
"""
import argparse
import collections
import re
import sys



def short(sym):
    """Function name without arguments and template arguments."""
    s = sym.replace("(anonymous namespace)::", "")
    depth = 0
    out = []
    for ch in s:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    s = "".join(out)
    p = s.find("(")
    if p > 0:
        s = s[:p]
    return s.strip()


def syscall_name(sym):
    s = sym.lstrip("_")
    for prefix in ("x64_sys_", "do_sys_", "se_sys_", "sys_"):
        if s.startswith(prefix):
            return s[len(prefix):]
    return s


def kernel_category(stack):
    """The system call a kernel sample runs under, else its kind."""
    for i, (sym, dso) in enumerate(stack):
        if sym == "do_syscall_64":
            if i > 0:
                return syscall_name(stack[i - 1][0]) + "()"
            break
        if "kernel" not in dso:
            # Sampled at syscall entry: the user-space wrapper names it.
            if not any(k.startswith("entry_SYSCALL") for k, _ in stack[:i]):
                break
            m = re.match(r"^(?:__libc_|__GI___|__)?(\w+?)(?:@.*)?$", sym)
            if m and "libc" in dso:
                return m.group(1) + "()"
            break
    if any("irq" in sym or "softirq" in sym for sym, _ in stack):
        return "interrupts/softirqs outside syscalls"
    if any(sym in ("schedule", "__schedule") for sym, _ in stack):
        return "scheduling outside syscalls"
    return "other"


def user_component(sym, dso):
    s = sym
    if re.search(r"(^|[^\w])(_int_malloc|malloc|_int_free|cfree|free|malloc_consolidate|"
                 r"unlink_chunk|_int_realloc|realloc|tcache|operator new|operator delete)",
                 s) and ("libc" in dso or "libstdc++" in dso or "operator" in s):
        return "malloc/free"
    if "boost::json" in s:
        return "Boost.JSON"
    if "boost::urls" in s:
        return "Boost.URL"
    if "prometheus" in s or "prometheus" in dso:
        return "prometheus-cpp"
    if "google::protobuf" in s or "protobuf" in dso:
        return "protobuf"
    if "boost::beast" in s or "boost::asio" in s or "boost::mp11" in s:
        return "Beast/Asio"
    if "across::" in s:
        return "gateway code (self)"
    if "libc.so" in dso and re.search(r"mem|str|__", s):
        return "libc string/memory"
    if "libstdc++" in dso:
        return "libstdc++ (string, hash, dynamic_cast...)"
    if "libc.so" in dso:
        return "libc other (incl. syscall wrappers)"
    if "vdso" in dso:
        return "vdso (clock_gettime)"
    return "other: " + dso.rsplit("/", 1)[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=float, default=0)
    ap.add_argument("--cpu-us", type=float, default=0,
                    help="gateway CPU us per request, to express shares in us")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()

    leaf = collections.Counter()
    owner = collections.Counter()
    total = 0
    stack = []

    def flush():
        nonlocal total
        if not stack:
            return
        total += 1
        ip_sym, dso = stack[0]
        if "kernel" in dso:
            leaf["kernel: " + kernel_category(stack)] += 1
            return
        leaf["user: " + user_component(ip_sym, dso)] += 1
        for sym, d in stack:
            name = short(sym)
            if name.startswith("across::") and "across_gateway" in d:
                owner[name] += 1
                break
        else:
            owner["(no gateway frame: event loop / library)"] += 1

    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.strip():
            flush()
            stack = []
            continue
        m = re.match(r"^\s*[0-9a-f]+\s+(.*)\s+\((.*)\)$", line)
        if m:
            stack.append((m.group(1), m.group(2)))
    flush()
    if total == 0:
        print("no samples")
        return 1

    def show(title, counter, top):
        print(title)
        for name, n in counter.most_common(top):
            pct = 100.0 * n / total
            extra = ""
            if args.cpu_us:
                extra = "  ~%5.1f us/req" % (args.cpu_us * n / total)
            print("  %5.1f%%%s  %s" % (pct, extra, name))
        rest = sum(counter.values()) - sum(n for _, n in counter.most_common(top))
        if rest > 0:
            print("  %5.1f%%  (other)" % (100.0 * rest / total))

    print("%d samples" % total)
    show("by leaf (kernel by system call, user by component):", leaf, args.top)
    show("user time by nearest gateway function on the stack:", owner, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
