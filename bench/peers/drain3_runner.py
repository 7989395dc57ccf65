"""Runs Drain3 (PyPI `drain3`) on lines given by Foresight's `eval loghub` and bench.

Reads one JSON job on stdin:
  {"runs": [{"name": str, "lines": [str], "repeat": int,
             "config": {"masking": [{"pattern": str, "name": str}], "maskPrefix": str,
                        "maskSuffix": str, "similarity": float, "depth": int,
                        "maxChildren": int, "extraDelimiters": [str]}}]}
Writes one JSON object on stdout:
  {"drain3": version, "runs": [{"name", "clusterIds": [int] (first pass only),
   "templates": {id: text}, "clusters": int, "lines": int, "seconds": float,
   "cpuSeconds": float (this process's CPU time over the same loop)}]}

Only the TemplateMiner.add_log_message loop is timed (masking included, as in use). Line
text arrives as JSON data and is never evaluated; the regular expressions come from
Foresight's own presets.
"""
import json
import sys
import time
from importlib.metadata import version

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig


def miner_for(cfg):
    c = TemplateMinerConfig()
    c.profiling_enabled = False
    c.drain_sim_th = float(cfg.get("similarity", 0.4))
    c.drain_depth = int(cfg.get("depth", 4))
    c.drain_max_children = int(cfg.get("maxChildren", 100))
    c.drain_max_clusters = None
    c.drain_extra_delimiters = list(cfg.get("extraDelimiters", []))
    c.mask_prefix = cfg.get("maskPrefix", "<")
    c.mask_suffix = cfg.get("maskSuffix", ">")
    c.masking_instructions = [MaskingInstruction(m["pattern"], m["name"]) for m in cfg.get("masking", [])]
    return TemplateMiner(persistence_handler=None, config=c)


def run(job):
    miner = miner_for(job.get("config", {}))
    lines = job["lines"]
    repeat = max(1, int(job.get("repeat", 1)))
    add = miner.add_log_message
    ids = []
    t0 = time.perf_counter()
    c0 = time.process_time()
    for line in lines:
        ids.append(add(line)["cluster_id"])
    for _ in range(repeat - 1):
        for line in lines:
            add(line)
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    clusters = miner.drain.clusters
    return {
        "name": job["name"],
        "clusterIds": ids,
        "templates": {str(c.cluster_id): c.get_template() for c in clusters},
        "clusters": len(clusters),
        "lines": len(lines) * repeat,
        "seconds": seconds,
        "cpuSeconds": cpu_seconds,
    }


def main():
    spec = json.load(sys.stdin)
    out = {"drain3": version("drain3"), "runs": [run(j) for j in spec["runs"]]}
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
