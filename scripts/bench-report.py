#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's figures as data and a plot.

    scripts/bench-report.py BENCH_TXT OUT_DIR

Reads the key=value lines of BENCH_TXT (what scripts/bench.sh and the guest's bench print)
and writes OUT_DIR/bench.csv (key,value), OUT_DIR/bench.json (one object) and OUT_DIR/bench.svg:
for every TLS mode, its throughput (MB/s at the receiver) and the CPU seconds per MiB on the
sender's and on the receiver's CPU, as bars. Standard library only.
"""

import csv
import json
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

LINE = re.compile(r"^([a-z][A-Za-z0-9_]*)=(-?[0-9.]+)$")
MODE = re.compile(r"^tls_(.+)_MBps$")


def read_figures(path):
    figures = {}
    for line in Path(path).read_text().splitlines():
        m = LINE.match(line.strip())
        if m:
            value = float(m.group(2))
            figures[m.group(1)] = int(value) if value.is_integer() and "." not in m.group(2) else value
    return figures


def bars(x0, y0, width, height, title, unit, rows, colour):
    """One horizontal bar chart: rows of (label, value) scaled to the largest value."""
    top = max((v for _, v in rows), default=0) or 1
    row_h = height / max(len(rows), 1)
    out = [f'<text x="{x0}" y="{y0 - 8}" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(rows):
        y = y0 + i * row_h
        w = (width - 170) * value / top
        out.append(f'<text x="{x0}" y="{y + row_h * 0.7:.1f}">{escape(label)}</text>')
        out.append(f'<rect x="{x0 + 110}" y="{y + 2:.1f}" width="{w:.1f}" '
                   f'height="{row_h - 4:.1f}" fill="{colour}"/>')
        out.append(f'<text x="{x0 + 114 + w:.1f}" y="{y + row_h * 0.7:.1f}">'
                   f'{value:g} {escape(unit)}</text>')
    return out


def svg(figures):
    modes = [m.group(1) for k in figures if (m := MODE.match(k))]
    rows = len(modes)
    chart_h = max(rows * 18, 40)
    width, height = 1400, chart_h + 90
    limit = figures.get("cpu_limit_aes128gcm_MBps")
    title = "tlsnic make bench (TCG figures; compare paths inside this run only)"
    if limit:
        title += f"; in-guest AES-128-GCM limit {limit:g} MB/s on one CPU"
    if figures.get("host_other_cpus", 0) > 0.2:
        title += "; WARNING: busy host"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           'font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-size="14">{escape(title)}</text>']
    out += bars(10, 60, 480, chart_h, "throughput", "MB/s",
                [(m, figures[f"tls_{m}_MBps"]) for m in modes], "#4477aa")
    out += bars(500, 60, 450, chart_h, "sender CPU", "s/MiB",
                [(m, figures.get(f"tls_{m}_sender_cpu_s_per_MiB", 0)) for m in modes], "#ee6677")
    out += bars(960, 60, 440, chart_h, "receiver CPU", "s/MiB",
                [(m, figures.get(f"tls_{m}_receiver_cpu_s_per_MiB", 0)) for m in modes], "#228833")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    figures = read_figures(sys.argv[1])
    if not figures:
        sys.exit(f"{sys.argv[1]}: no key=value figures")
    out = Path(sys.argv[2])
    with open(out / "bench.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["key", "value"])
        w.writerows(figures.items())
    (out / "bench.json").write_text(json.dumps(figures, indent=1) + "\n")
    (out / "bench.svg").write_text(svg(figures))


if __name__ == "__main__":
    main()
