"""Checks the outputs of testdata/hello.ipynb after nbconvert executed it."""

import sys

import nbformat


def main(path):
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    texts = []
    for c in cells:
        for o in c.get("outputs", []):
            if o.output_type == "error":
                print(f"cell {c.execution_count} failed: {o.ename}: {o.evalue}", file=sys.stderr)
                return 1
    want = [
        ("stream", "hello from Go\n"),
        (None, None),
        ("execute_result", "[1 4 9 16]"),
        ("display_data", "text/html"),
    ]
    for cell, (kind, value) in zip(cells, want):
        outs = cell.get("outputs", [])
        if kind is None:
            if outs:
                print(f"cell {cell.execution_count}: expected no output, got {outs}", file=sys.stderr)
                return 1
            continue
        match = [o for o in outs if o.output_type == kind]
        if not match:
            print(f"cell {cell.execution_count}: no {kind} output in {outs}", file=sys.stderr)
            return 1
        o = match[0]
        if kind == "stream":
            texts.append(o.text)
            ok = o.text == value
        elif kind == "execute_result":
            ok = o.data.get("text/plain") == value
        else:
            ok = value in o.data
        if not ok:
            print(f"cell {cell.execution_count}: unexpected {kind}: {o}", file=sys.stderr)
            return 1
    if [c.execution_count for c in cells] != list(range(1, len(cells) + 1)):
        print(f"execution counts {[c.execution_count for c in cells]}", file=sys.stderr)
        return 1
    print(f"notebook ok: {len(cells)} Go cells executed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
