#!/usr/bin/env python3
"""Turns the JMH JSON written by run-kernels.sh into bench/RESULTS.md.

usage: report.py [RESULTS_DIR] [--out RESULTS.md]
       report.py --merge [--keep] OUT.json PART.json...   (joins one-fork JMH results of the same benchmark into one;
                 --keep also carries over the results already in OUT.json that the parts do not measure again)

RESULTS_DIR (default bench/results) holds kernels.json, matmul-no-coretype.json and conv2d.json (JMH's JSON) and run-info.json
(date, load average, OPENBLAS_* settings and the commands, written by run-kernels.sh), so the report can be made again
from the same data.
"""
import argparse
import json
import os
import platform
import sys

MIB = 1 << 20
GEMM = {  # name: (M, N, K, transA, transB, what)
    "MM1024": (1024, 1024, 1024, False, False, "square"),
    "MLP_FWD": (32, 128, 784, False, False, "MLP forward x·W"),
    "MLP_DW": (784, 128, 32, True, False, "MLP dW = xᵀ·dy"),
    "MLP_DX": (32, 784, 128, False, True, "MLP dx = dy·Wᵀ"),
}
TO_SECONDS = {"s/op": 1.0, "ms/op": 1e-3, "us/op": 1e-6, "ns/op": 1e-9}
SLOW_RATIO = 0.95  # Neurite below this fraction of the direct call's throughput is flagged
TINY_TARGET_NS = 1000.0


def load(path):
    """{(benchmark short name, params tuple): result} from a JMH JSON file."""
    with open(path) as f:
        data = json.load(f)
    out = {}
    for r in data:
        name = r["benchmark"].rsplit(".", 2)
        short = name[-2] + "." + name[-1]
        params = tuple(sorted((r.get("params") or {}).items()))
        out[(short, params)] = r
    return data, out


def seconds(r):
    m = r["primaryMetric"]
    scale = TO_SECONDS[m["scoreUnit"]]
    err = m.get("scoreError")
    err = float(err) * scale if err not in (None, "NaN") and err == err else float("nan")
    return m["score"] * scale, err


def cpu_seconds(r):
    """The CpuTimeProfiler's secondary metric (process CPU time per op), in seconds, or None."""
    m = (r.get("secondaryMetrics") or {}).get("·cpu")
    if not m:
        return None
    return m["score"] * TO_SECONDS[m["scoreUnit"]]


def cpu_error(r):
    m = (r.get("secondaryMetrics") or {}).get("·cpu")
    if not m:
        return float("nan")
    e = m.get("scoreError")
    return float(e) * TO_SECONDS[m["scoreUnit"]] if e not in (None, "NaN") and e == e else float("nan")


def ratio_of(td, ed, tn, en):
    """direct / Neurite and its error (relative errors added in quadrature)."""
    r = td / tn
    rel = ((ed / td) ** 2 + (en / tn) ** 2) ** 0.5 if ed == ed and en == en else float("nan")
    return r, r * rel


def clearly_slower(tn, en, td, ed):
    """Whether Neurite is below SLOW_RATIO of the direct call even at the favourable ends of both error bars."""
    if en != en or ed != ed:
        return False
    return (td + ed) / (tn - en) < SLOW_RATIO if tn - en > 0 else False


def fmt_ratio(r, e, bold=False):
    body = f"{r:.2f}" + ("" if e != e else f" ± {e:.2f}")
    body = f"**{body}**" if bold else body
    return body + (" ⚠" if round(r, 2) < SLOW_RATIO else "")


def get(results, bench, **params):
    key = (bench, tuple(sorted((k, str(v)) for k, v in params.items())))
    return results.get(key)


def num(v):
    """Three significant digits, never in exponent notation."""
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"


def fmt_time(t, err):
    """A time and its 99.9% error, in a unit that suits it."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if t >= scale or unit == "ns":
            e = "" if err != err else f" ± {num(err / scale)}"
            return f"{t / scale:.4g}{e} {unit}"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return ", ".join(x for x in ("avx2", "fma", "avx512f", "avx512bw", "avx512vl") if x in flags)
    except OSError:
        pass
    return "?"


def noisy_rows(results):
    out = []
    for shape, (m, n, k, ta, tb, what) in GEMM.items():
        for th in sorted({int(dict(key[1]).get("threads", 0)) for key in results}):
            rs = [get(results, b, shape=shape, threads=th) for b in ("GemmBench.neurite", "GemmBench.direct")]
            if any(r is not None and seconds(r)[1] > 0.5 * seconds(r)[0] for r in rs):
                out.append(f"{m}×{n}×{k} on {th} thread(s)")
    return out


def gemm_table(results, threads_list, lines, flags, label):
    lines.append("| problem | M×N×K | op(A), op(B) | threads | Neurite | GFLOPS | direct sgemm | GFLOPS "
                 "| **Neurite / direct** | CPU/op Neurite | CPU/op direct | Neurite / direct (CPU) |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for shape, (m, n, k, ta, tb, what) in GEMM.items():
        for th in threads_list:
            rn = get(results, "GemmBench.neurite", shape=shape, threads=th)
            rd = get(results, "GemmBench.direct", shape=shape, threads=th)
            if rn is None and rd is None:
                continue
            flops = 2.0 * m * n * k
            name = what if shape != "MM1024" else "matmul"
            cells = [name, f"{m}×{n}×{k}", f"{'T' if ta else 'N'}, {'T' if tb else 'N'}", str(th)]
            for r in (rn, rd):
                if r is None:
                    cells += ["–", "–"]
                else:
                    t, e = seconds(r)
                    cells += [fmt_time(t, e), f"{flops / t / 1e9:.1f}"]
            ratio = cpu_ratio = None
            if rn is not None and rd is not None:
                ratio, rerr = ratio_of(*seconds(rd), *seconds(rn))
                cells.append(fmt_ratio(ratio, rerr, bold=True))
            else:
                cells.append("–")
            cn = cpu_seconds(rn) if rn is not None else None
            cd = cpu_seconds(rd) if rd is not None else None
            cells += [fmt_time(cn, cpu_error(rn)) if cn else "–", fmt_time(cd, cpu_error(rd)) if cd else "–"]
            if cn and cd:
                cpu_ratio, cerr = ratio_of(cd, cpu_error(rd), cn, cpu_error(rn))
                cells.append(fmt_ratio(cpu_ratio, cerr))
            else:
                cells.append("–")
            slow = []
            if ratio is not None and round(ratio, 2) < SLOW_RATIO:
                slow.append(("wall time", ratio, rerr, clearly_slower(*seconds(rn), *seconds(rd))))
            if cpu_ratio is not None and round(cpu_ratio, 2) < SLOW_RATIO:
                slow.append(("CPU time", cpu_ratio, cerr, clearly_slower(cn, cpu_error(rn), cd, cpu_error(rd))))
            if slow:
                tn, td = seconds(rn)[0], seconds(rd)[0]
                parts = []
                for kind, r_, e_, sure in slow:
                    parts.append(f"{r_:.2f} ± {e_:.2f} of the direct call by {kind} "
                                 f"({'significant' if sure else 'within the error bars'})")
                flags.append(f"{label}{name} {m}×{n}×{k}, {th} thread(s): Neurite {flops / tn / 1e9:.1f} vs direct "
                             f"{flops / td / 1e9:.1f} GFLOPS; " + "; ".join(parts))
            lines.append("| " + " | ".join(cells) + " |")


CONV = {  # layer: (N, H, W, C, KH, KW, O)
    "CONV1": (64, 28, 28, 1, 3, 3, 32),
    "CONV2": (64, 13, 13, 32, 3, 3, 64),
}
CONV_PASSES = {  # pass: (Neurite op, direct GEMM as C[rows,cols] = op(A)·op(B), what)
    "FWD": ("`conv2d(x, w)`", "cols[M,K] · w[K,O]", "forward"),
    "DX": ("`conv2d_backward_input(dy, w)`", "dy[M,O] · w[K,O]ᵀ", "backward-input"),
    "DW": ("`conv2d_backward_filter(x, dy)`", "cols[M,K]ᵀ · dy[M,O]", "backward-filter"),
}


def conv_section(a, L, flags):
    raw, res = load(a.conv)
    info = a.conv_info
    threads_list = sorted({int(dict(k[1])["threads"]) for k in res if "threads" in dict(k[1])})
    first = raw[0] if raw else {}
    L.append("## 5. conv2d, f32: the Fashion-MNIST CNN's convolutions (`ConvBench`)")
    L.append("")
    L.append("NHWC input, HWIO filter, valid padding, stride 1, batch 64. Neurite: `Ops.call(op, attrs, ...)[0]` "
             "(`conv2d`; `conv2d_backward_input` with `input_shape`; `conv2d_backward_filter` with `filter_shape`), the "
             "result allocated by the op and closed each invocation. Direct: one `cblas_sgemm` on the equivalent im2col "
             "GEMM, M = N·OH·OW, K = KH·KW·C, O = output channels, on 64-byte aligned buffers into a preallocated "
             "result; the im2col matrix is built once in setup and the col2im scatter of the backward-input pass is not "
             "done, so the direct side is the GEMM alone, a floor for any im2col conv. GFLOPS = 2·M·K·O / time on both "
             "sides; Neurite / direct = direct time / Neurite time (⚠ below 0.95). Each state checks 64 entries of its "
             "result (Neurite's against the conv's definition, the GEMM's against a dot product) before timing.")
    L.append("")
    if info:
        own = bool(info.get("commands")) and info["commands"][0].startswith("ONLY=")
        L.append(("Measured in its own run, not with sections 1–4" if own else "Measured in the same run as sections 1–4")
                 + f": {info.get('date', '?')}, load average "
                 f"{info.get('load_before', '?')} before, {info.get('load_after', '?')} after; "
                 f"`OPENBLAS_CORETYPE={info.get('coretype', '?')}`, `OPENBLAS_L2_SIZE={info.get('l2', '?')}`"
                 + (f"; JMH {first.get('forks')} fork(s) × {first.get('measurementIterations')} measurement iterations "
                    f"of {first.get('measurementTime')} after {first.get('warmupIterations')} warmup iterations of "
                    f"{first.get('warmupTime')}" if first else "") + ". Commands:")
        L.append("")
        L.append("```")
        L.extend(info.get("commands", []))
        L.append("```")
        L.append("")
    L.append("| layer | pass | x, w | M×K×O | direct GEMM | threads | Neurite | GFLOPS | direct sgemm | GFLOPS "
             "| **Neurite / direct** | CPU/op Neurite | CPU/op direct | Neurite / direct (CPU) |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for layer, (n, h, w, c, kh, kw, o) in CONV.items():
        oh, ow = h - kh + 1, w - kw + 1
        m, k = n * oh * ow, kh * kw * c
        flops = 2.0 * m * k * o
        for ps, (op, gemm, what) in CONV_PASSES.items():
            for th in threads_list:
                rn = get(res, "ConvBench.neurite", layer=layer, threads=th, **{"pass": ps})
                rd = get(res, "ConvBench.direct", layer=layer, threads=th, **{"pass": ps})
                if rn is None and rd is None:
                    continue
                cells = [layer.lower(), f"{what} {op}", f"[{n},{h},{w},{c}], [{kh},{kw},{c},{o}]", f"{m}×{k}×{o}",
                         gemm, str(th)]
                for r in (rn, rd):
                    if r is None:
                        cells += ["–", "–"]
                    else:
                        t, e = seconds(r)
                        cells += [fmt_time(t, e), f"{flops / t / 1e9:.1f}"]
                ratio = cratio = None
                if rn is not None and rd is not None:
                    ratio, rerr = ratio_of(*seconds(rd), *seconds(rn))
                    cells.append(fmt_ratio(ratio, rerr, bold=True))
                else:
                    cells.append("–")
                cn = cpu_seconds(rn) if rn is not None else None
                cd = cpu_seconds(rd) if rd is not None else None
                cells += [fmt_time(cn, cpu_error(rn)) if cn else "–", fmt_time(cd, cpu_error(rd)) if cd else "–"]
                if cn and cd:
                    cratio, cerr = ratio_of(cd, cpu_error(rd), cn, cpu_error(rn))
                    cells.append(fmt_ratio(cratio, cerr))
                else:
                    cells.append("–")
                L.append("| " + " | ".join(cells) + " |")
                slow = []
                if ratio is not None and round(ratio, 2) < SLOW_RATIO:
                    slow.append(("wall time", ratio, rerr, clearly_slower(*seconds(rn), *seconds(rd))))
                if cratio is not None and round(cratio, 2) < SLOW_RATIO:
                    slow.append(("CPU time", cratio, cerr, clearly_slower(cn, cpu_error(rn), cd, cpu_error(rd))))
                if slow:
                    tn, td = seconds(rn)[0], seconds(rd)[0]
                    flags.append(f"conv2d {layer.lower()} {what}, {th} thread(s): Neurite {flops / tn / 1e9:.1f} vs "
                                 f"direct im2col GEMM {flops / td / 1e9:.1f} GFLOPS; " + "; ".join(
                                     f"{r_:.2f} ± {e_:.2f} of the direct call by {kind} "
                                     f"({'significant' if sure else 'within the error bars'})"
                                     for kind, r_, e_, sure in slow))
    L.append("")


# Student's t quantile for JMH's 99.9% confidence interval, by degrees of freedom (normal beyond 30).
T_9995 = [636.62, 31.599, 12.924, 8.610, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587, 4.437, 4.318, 4.221, 4.140, 4.073,
          4.015, 3.965, 3.922, 3.883, 3.850, 3.819, 3.792, 3.768, 3.745, 3.725, 3.707, 3.690, 3.674, 3.659, 3.646]


def restat(metric):
    """Recomputes a JMH metric's score, error, confidence and percentiles from its rawData, as JMH does."""
    values = sorted(v for fork in metric["rawData"] for v in fork)
    n = len(values)
    mean = sum(values) / n
    if n > 1:
        sd = (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5
        err = (T_9995[n - 2] if n - 2 < len(T_9995) else 3.291) * sd / n ** 0.5
        metric["scoreError"] = err
        metric["scoreConfidence"] = [mean - err, mean + err]
    else:
        metric["scoreError"] = "NaN"
        metric["scoreConfidence"] = ["NaN", "NaN"]
    metric["score"] = mean

    def pct(p):
        x = (n - 1) * p / 100.0
        lo = int(x)
        hi = min(lo + 1, n - 1)
        return values[lo] + (values[hi] - values[lo]) * (x - lo)

    metric["scorePercentiles"] = {k: pct(float(k)) for k in metric.get("scorePercentiles", {})}


def merge(out, parts, keep=False):
    merged = {}
    kept = {}
    if keep and os.path.exists(out):
        with open(out) as f:
            for r in json.load(f):
                kept[(r["benchmark"], tuple(sorted((r.get("params") or {}).items())))] = r
    for path in parts:
        with open(path) as f:
            for r in json.load(f):
                key = (r["benchmark"], tuple(sorted((r.get("params") or {}).items())))
                if key not in merged:
                    merged[key] = r
                    continue
                m = merged[key]
                m["primaryMetric"]["rawData"] += r["primaryMetric"]["rawData"]
                for name, sec in (r.get("secondaryMetrics") or {}).items():
                    if name in m.setdefault("secondaryMetrics", {}):
                        m["secondaryMetrics"][name]["rawData"] += sec["rawData"]
                    else:
                        m["secondaryMetrics"][name] = sec
    for key in merged:
        r = merged[key]
        restat(r["primaryMetric"])
        for sec in (r.get("secondaryMetrics") or {}).values():
            restat(sec)
        r["forks"] = len(r["primaryMetric"]["rawData"])
    kept.update(merged)
    records = [kept[key] for key in sorted(kept)]
    with open(out, "w") as f:
        json.dump(records, f, indent=1, ensure_ascii=False)
    print(f"merged {len(parts)} files into {len(records)} results ({len(records) - len(merged)} kept): {out}",
          file=sys.stderr)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--merge":
        rest = sys.argv[2:]
        keep = rest[0] == "--keep"
        rest = rest[1:] if keep else rest
        merge(rest[0], rest[1:], keep)
        return
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="bench/results/*.json -> bench/RESULTS.md")
    ap.add_argument("results", nargs="?", default=os.path.join(here, "results"),
                    help="folder with kernels.json, matmul-no-coretype.json and run-info.json")
    ap.add_argument("--out", default=os.path.join(here, "RESULTS.md"))
    args = ap.parse_args()
    info = {}
    info_path = os.path.join(args.results, "run-info.json")
    if os.path.exists(info_path):
        with open(info_path) as f:
            info = json.load(f)
    a = argparse.Namespace(
        main=os.path.join(args.results, "kernels.json"),
        no_coretype=os.path.join(args.results, "matmul-no-coretype.json"),
        out=args.out,
        command=info.get("commands", []),
        date=info.get("date", "?"),
        coretype=info.get("coretype", "?"),
        l2=info.get("l2", "?"),
        load_before=info.get("load_before", "?"),
        load_after=info.get("load_after", "?"))
    if not os.path.exists(a.no_coretype):
        a.no_coretype = None
    a.conv = os.path.join(args.results, "conv2d.json")
    a.conv_info = info.get("conv", {})
    if not os.path.exists(a.conv):
        a.conv = None

    raw, res = load(a.main)
    threads_list = sorted({int(dict(k[1])["threads"]) for k in res if "threads" in dict(k[1])})
    first = raw[0] if raw else {}
    flags = []
    L = []
    L.append("# Neurite kernel benchmarks")
    L.append("")
    L.append("Generated by `bench/run-kernels.sh` (JMH; sources in `bench/src/main/java/org/neurite/bench/`, raw JSON in "
             "`bench/results/`). Do not edit by hand: run the script again.")
    L.append("")
    L.append("**Read the ratios, not the absolute numbers.** This machine is small and shared: other builds were "
             f"running during the measurement (load average {a.load_before} before, {a.load_after} after, on "
             f"{os.cpu_count()} hardware threads), so absolute times swing from run to run and 2-thread numbers in "
             "particular can fall below 1-thread ones when a core is taken. Only a Neurite/direct ratio measured in "
             "the same run, under the same conditions, says something about Neurite; even those carry the error bars "
             "shown (JMH 99.9% confidence intervals). CPU time per op (all threads of the benchmark's JVM) is given next to "
             "wall time: it is far less sensitive to the other load, so where wall and CPU ratios disagree, trust CPU.")
    L.append("")
    L.append("## Setup")
    L.append("")
    L.append(f"- date: {a.date}")
    L.append(f"- machine: {os.cpu_count()} hardware threads (`nproc`), CPU `{cpu_model()}` ({cpu_flags()}), "
             f"Linux {platform.release()}")
    L.append(f"- JVM: {first.get('jvm', '?')} {first.get('jdkVersion', '')} {first.get('vmName', '')} "
             f"{first.get('vmVersion', '')}".rstrip())
    L.append(f"- main run: `OPENBLAS_CORETYPE={a.coretype}`, `OPENBLAS_L2_SIZE={a.l2}` (the environment as is)")
    if first:
        L.append(f"- JMH {first.get('jmhVersion', '?')}: {first.get('forks')} forks × {first.get('measurementIterations')} "
                 f"measurement iterations of {first.get('measurementTime')} after {first.get('warmupIterations')} "
                 f"warmup iterations of {first.get('warmupTime')}, mode {first.get('mode')}")
    L.append("- commands:")
    L.append("")
    L.append("```")
    L.extend(a.command)
    L.append("```")
    L.append("")
    L.append("Thread counts are set on both sides: Neurite with `Neurite.setNumThreads(n)` (its pool; OpenBLAS stays on "
             "one thread inside the engine, which splits a large product into panels over its pool), the direct path "
             "with `openblas_set_num_threads(n)` (through the preset's `blas_set_num_threads`, so OpenBLAS threads the "
             "gemm itself); each side runs in its own forked JVM, so only one OpenBLAS is loaded per process.")
    L.append("")

    L.append("## 1. matmul, f32 (`GemmBench`)")
    L.append("")
    L.append("Neurite: `a.matmul(b)` with the result allocated by the op and closed each invocation; transposed "
             "operands are views (`x.transpose(0,1)`, `W.transpose(0,1)`) that the engine passes to BLAS as a transpose "
             "flag. Direct: `cblas_sgemm` (`org.bytedeco.openblas.global.openblas_nolapack`) with the same flags and "
             "leading dimensions on 64-byte aligned buffers, into a preallocated C. GFLOPS = 2·M·N·K / time; "
             "Neurite / direct = direct time / Neurite time (1.00 = parity; ⚠ below 0.95). CPU/op: CPU time of the whole "
             "forked JVM per op (all threads, OpenBLAS's included; `CpuTimeProfiler`), which does not grow when other "
             "processes take the cores, hence the steadier ratio on a busy machine. The forks of the two sides of a "
             "ratio alternate in ABBA order (direct, Neurite, Neurite, direct), so a drift in the machine's load "
             "weighs on both alike. Each state checks 64 entries of its result against a double-precision dot "
             "product before timing.")
    L.append("")
    gemm_table(res, threads_list, L, flags, "")
    L.append("")
    noisy = noisy_rows(res)
    if noisy:
        L.append("Noise-dominated here (a 99.9% error bar above half the value, on either side): " + ", ".join(noisy)
                 + ". Small multi-threaded gemms are the first victims of a shared machine: the direct call's OpenBLAS "
                 "threads spin waiting for a partner that another process holds off the core (Neurite keeps products "
                 "under 2·2^23 flops on one thread and OpenBLAS's own threads idle), so those times measure the "
                 "scheduler more than the arithmetic.")
        L.append("")

    L.append("## 2. Call overhead of a tiny op (`TinyOpBench`)")
    L.append("")
    L.append("| benchmark | threads | time / op | CPU / op | target |")
    L.append("|---|---|---|---|---|")
    rows = [(get(res, "TinyOpBench.add2x2", threads=th), "`a.add(b).close()`, 2×2 f32", str(th), True)
            for th in threads_list]
    rows.append((get(res, "TinyOpBench.nativeQuery"), "`Neurite.numThreads()` (one JNI call: the floor)", "–", False))
    for r, what, th, target in rows:
        if r is None:
            continue
        t, e = seconds(r)
        c, ce = cpu_seconds(r), cpu_error(r)
        tgt = ""
        if target:
            ok = t * 1e9 < TINY_TARGET_NS
            tgt = "< 1 µs ✓" if ok else "< 1 µs ⚠"
            if not ok:
                flags.append(f"tiny op (2×2 add + close), {th} thread(s): {t * 1e9:.0f} ns per op by wall time"
                             + (f", {c * 1e9:.0f} ± {ce * 1e9:.0f} ns of CPU" if c else "") + " (target < 1 µs)")
        L.append(f"| {what} | {th} | {fmt_time(t, e)} | {fmt_time(c, ce) if c else '–'} | {tgt} |")
    L.append("")

    L.append("## 3. Memory bandwidth: elementwise add vs memcpy, 64 MiB operands (`BandwidthBench`)")
    L.append("")
    L.append("GB/s = bytes moved / time, 1 GB = 10⁹ bytes. add: 16M floats, 3 × 64 MiB per op (read a, read b, write a "
             "result the op allocates). memcpy: `Pointer.memcpy` of 64 MiB between two preallocated, pre-touched native "
             "buffers, 2 × 64 MiB per op. memcpy into a fresh buffer: `malloc` + copy + `free` each op, the same "
             "allocation pattern as an op's result (a 64 MiB `malloc` is a fresh `mmap`, so all 16384 pages fault on "
             "first touch).")
    L.append("")
    L.append("| benchmark | threads | time / op | GB/s | vs memcpy (same run) | CPU / op |")
    L.append("|---|---|---|---|---|---|")
    rc = get(res, "BandwidthBench.memcpy64M")
    copy_gbs = None
    if rc is not None:
        t, e = seconds(rc)
        copy_gbs = 2 * 64 * MIB / t / 1e9
    rows = []
    for th in threads_list:
        r = get(res, "BandwidthBench.add16M", threads=th)
        if r is not None:
            rows.append(("Neurite `a.add(b).close()`, 16M f32", str(th), r, 3))
    if rc is not None:
        rows.append(("memcpy 64 MiB, preallocated dst", "1", rc, 2))
    rf = get(res, "BandwidthBench.memcpy64MFreshDst")
    if rf is not None:
        rows.append(("memcpy 64 MiB into a fresh malloc'd dst", "1", rf, 2))
    for what, th, r, n in rows:
        t, e = seconds(r)
        gbs = n * 64 * MIB / t / 1e9
        vs = f"{gbs / copy_gbs:.2f}" if copy_gbs else "–"
        c = cpu_seconds(r)
        L.append(f"| {what} | {th} | {fmt_time(t, e)} | {gbs:.2f} | {vs} | {fmt_time(c, cpu_error(r)) if c else '–'} |")
    L.append("")

    ra = get(res, "BandwidthBench.add16M", threads=threads_list[0]) if threads_list else None
    if ra is not None and rf is not None and rc is not None:
        add_t, fresh_t, copy_t = seconds(ra)[0], seconds(rf)[0], seconds(rc)[0]
        L.append(f"The fresh-buffer memcpy takes {fresh_t / copy_t:.0f}× as long as the same copy into a pre-touched "
                 f"buffer: on this machine a 64 MiB result costs about {(fresh_t - copy_t) * 1e3:.0f} ms of page faults "
                 f"({(fresh_t - copy_t) / 16384 * 1e6:.0f} µs per 4 KiB page) before any arithmetic. "
                 + (f"Neurite's add ({add_t * 1e3:.0f} ms on {threads_list[0]} thread) is within "
                    f"{abs(add_t / fresh_t - 1):.0%} of that control, so its time is the fresh result's page faults, "
                    "not the add kernel: the ratio to the plain memcpy measures the allocator, and a caching allocator "
                    "for large buffers is what would move it."
                    if abs(add_t / fresh_t - 1) < 0.5 else
                    f"Neurite's add takes {add_t * 1e3:.0f} ms on {threads_list[0]} thread, "
                    f"{fresh_t / add_t:.0f}× less than that control: its result comes from the engine's cache of "
                    "freed blocks, whose pages are already faulted in, so what is left is the arithmetic and its "
                    "memory traffic."))
        L.append("")

    if a.no_coretype:
        raw2, res2 = load(a.no_coretype)
        L.append("## 4. matmul without `OPENBLAS_CORETYPE` (OpenBLAS's own CPU detection)")
        L.append("")
        L.append("The same matmul benchmarks, run once more with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` (a "
                 "separate JMH run, so compare the ratio within this table, not its times with section 1).")
        L.append("")
        th2 = sorted({int(dict(k[1])["threads"]) for k in res2 if "threads" in dict(k[1])})
        gemm_table(res2, th2, L, flags, "without OPENBLAS_CORETYPE: ")
        L.append("")
        L.append("GFLOPS side by side, direct sgemm (the kernel OpenBLAS picks, not Neurite, makes the difference):")
        L.append("")
        L.append(f"| problem | threads | direct, OPENBLAS_CORETYPE={a.coretype} | direct, unset | Neurite, "
                 f"OPENBLAS_CORETYPE={a.coretype} | Neurite, unset |")
        L.append("|---|---|---|---|---|---|")
        for shape, (m, n, k, ta, tb, what) in GEMM.items():
            for th in th2:
                vals = []
                for bench in ("GemmBench.direct", "GemmBench.neurite"):
                    for rr in (res, res2):
                        r = get(rr, bench, shape=shape, threads=th)
                        vals.append(f"{2.0 * m * n * k / seconds(r)[0] / 1e9:.1f}" if r else "–")
                if all(v == "–" for v in vals[1::2]):
                    continue
                L.append(f"| {what if shape != 'MM1024' else 'matmul'} {m}×{n}×{k} | {th} | {vals[0]} | {vals[1]} | "
                         f"{vals[2]} | {vals[3]} |")
        L.append("")

    if a.conv:
        conv_section(a, L, flags)

    L.append("## Flagged")
    L.append("")
    if flags:
        L.append(f"Computed from the tables above: Neurite below {SLOW_RATIO:.0%} of the direct call (by wall or CPU "
                 "time; \"significant\" when it stays below even at the favourable ends of both error bars), or a tiny op at 1 µs or more of "
                 "wall time:")
        L.append("")
        for f in flags:
            L.append(f"- {f}")
    else:
        L.append("Nothing: every Neurite matmul and conv2d is within 5% of the direct call and the tiny op is under 1 µs.")
    L.append("")

    # The GPU section is measured on a lent GPU machine by bench/cuda/run-gpu.sh, not by this script: kept verbatim.
    gpu = os.path.join(os.path.dirname(os.path.abspath(a.out)), "results", "cuda-gpu.md")
    if os.path.exists(gpu):
        with open(gpu) as f:
            L.append(f.read().rstrip("\n"))
        L.append("")

    # Sections measured apart from the JMH suite, kept verbatim: the data pipeline (bench/run-data.sh) and whole-workload
    # training runs against a peer (bench/run-training.sh).
    # training-notes.md holds the hand measurements behind section 7 (profiles, seeds, OPENBLAS_CORETYPE unset).
    for name in ("data-pipeline.md", "training.md", "training-notes.md"):
        extra = os.path.join(os.path.dirname(os.path.abspath(a.out)), "results", name)
        if os.path.exists(extra):
            with open(extra) as f:
                L.append(f.read().rstrip("\n"))
            L.append("")

    with open(a.out, "w") as f:
        f.write("\n".join(L))
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
