"""python -m bench [--quick] [CASE…] — one line per case:
<case>  ours=<s>  baseline=<s>  ratio=<x>  target<=<x>"""

from __future__ import annotations

import argparse
import sys

from bench.registry import load_cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="reduced sizes, under a minute")
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    args = parser.parse_args(argv)
    cases = load_cases()
    names = args.cases or list(cases)
    unknown = [n for n in names if n not in cases]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(cases)}")
    failed = 0
    for name in names:
        c = cases[name]
        out = c.run(args.quick)
        parts = [f"{name:<28}", f"ours={out.ours:.3f}s"]
        ok = True
        if out.baseline is not None:
            ratio = out.ours / out.baseline if out.baseline else float("inf")
            parts += [f"baseline={out.baseline:.3f}s", f"ratio={ratio:.2f}"]
            if c.target is not None:
                parts.append(f"target<={c.target}")
                ok = ratio <= c.target
        parts += [f"{k}={v}" for k, v in out.notes.items()]
        if not ok:
            parts.append("MISSED")
            failed += 1
        print("  ".join(parts), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
