"""A very large real drawing converts through the CLI within a memory bound (peak RSS measured
as VmHWM inside the CLI's own process)."""

import subprocess
import sys

import pytest
from PIL import Image, PngImagePlugin

RSS_BOUND_MB = (
    900  # measured ~480 MB for this 7.3k x 8k px (58 MP) drawing; 150 MB of it is imports
)

WRAP = """
import runpy, sys
sys.argv = ["cad3d", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("cad3d.cli.main", run_name="__main__")
except SystemExit as e:
    code = e.code
# VmHWM, not ru_maxrss: Linux carries the parent's peak (pytest's) into ru_maxrss across exec
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print("RSS_KB", hwm, "CODE", code)
"""


@pytest.mark.slow
def test_huge_scan_is_downscaled_within_memory_bound(tmp_path, rb):
    with Image.open(rb.examples / "floorplan.png") as im:
        scale = float(im.info["cad3d:scale"])
        big = im.convert("L").resize((im.size[0] * 13, im.size[1] * 13), Image.NEAREST)
    info = PngImagePlugin.PngInfo()
    info.add_text("cad3d:scale", str(scale / 13))
    src = tmp_path / "scan.png"
    big.save(src, pnginfo=info, compress_level=1)
    assert big.size[0] * big.size[1] > 50_000_000
    out = tmp_path / "scan.stl"
    r = subprocess.run(
        [sys.executable, "-c", WRAP, "convert", str(src), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    last = r.stdout.strip().splitlines()[-1].split()
    rss_mb, code = int(last[1]) / 1024, int(last[3])
    print(f"peak RSS {rss_mb:.0f} MB")
    assert code == 0, r.stderr
    assert "downscaled to fit 4096 px" in r.stderr and "Traceback" not in r.stderr
    assert out.stat().st_size > 10_000
    assert rss_mb < RSS_BOUND_MB
