"""A Python pipeline a user might write for what Foresight's ingest does (issue #16's peer).

  python python_peer.py LINES_FILE [ROUNDS] [DRAIN3_CONFIG_JSON]

Reads NDJSON lines (bench/python-peer.ts writes the lines bench/ingest.ts measures), then per
line: orjson.loads, takes service / time / level / latency / message from either shape the
bench emits (ECS dotted or pino-like), Drain3 TemplateMiner.add_log_message(message), and per
(service, 1-minute window) a DDSketch of latency with line and error counts. Only that loop
is timed, in CPU time of this process (time.process_time), best of ROUNDS with fresh state.
DRAIN3_CONFIG_JSON (a file: {masking: [{pattern, name}], maskPrefix, maskSuffix}, as
drain3_runner.py takes) masks as Drain3's example drain3.ini does; without it, no masking.
Prints one JSON line: {lines, windows, templates, cpuSeconds, linesPerSec, versions}.
Log text is data here: it is never evaluated, and the file path comes from the caller.
"""
import json
import sys
import time
from datetime import datetime
from importlib.metadata import version

import orjson
from ddsketch import DDSketch
from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig


def run(lines, masking):
    config = TemplateMinerConfig()
    config.profiling_enabled = False
    if masking is not None:
        config.mask_prefix = masking.get("maskPrefix", "<")
        config.mask_suffix = masking.get("maskSuffix", ">")
        config.masking_instructions = [MaskingInstruction(m["pattern"], m["name"]) for m in masking.get("masking", [])]
    miner = TemplateMiner(config=config)
    windows = {}
    for line in lines:
        o = orjson.loads(line)
        service = o.get("service.name") or o.get("service")
        message = o.get("message") or o.get("msg") or ""
        if "latency_ms" in o:
            latency = o["latency_ms"]
        else:
            latency = o.get("event", {}).get("duration", 0) / 1e6
        t = o.get("time")
        if t is None:
            t = datetime.fromisoformat(o["@timestamp"]).timestamp() * 1000
        level = o.get("log.level", o.get("level"))
        error = level == "error" or (isinstance(level, int) and level >= 50)
        miner.add_log_message(message)
        key = (service, int(t // 60000))
        w = windows.get(key)
        if w is None:
            w = windows[key] = [DDSketch(), 0, 0]
        w[0].add(latency)
        w[1] += 1
        w[2] += error
    return len(windows), len(miner.drain.clusters)


def main():
    with open(sys.argv[1], "rb") as f:
        lines = f.read().splitlines()
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    masking = None
    if len(sys.argv) > 3:
        with open(sys.argv[3], "rb") as f:
            masking = json.load(f)
    best = float("inf")
    for _ in range(rounds):
        c = time.process_time()
        windows, templates = run(lines, masking)
        best = min(best, time.process_time() - c)
    print(json.dumps({
        "lines": len(lines), "windows": windows, "templates": templates, "rounds": rounds, "masked": masking is not None,
        "cpuSeconds": round(best, 3), "linesPerSec": round(len(lines) / best),
        "versions": {p: version(p) for p in ("orjson", "drain3", "ddsketch")},
        "python": sys.version.split()[0],
    }))


main()
