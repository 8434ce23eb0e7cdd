#!/usr/bin/python3
"""Build the course notebooks from their sources.

Each file src/NN-name.go.md holds one notebook as a sequence of cells. A line
"%% markdown" or "%% code" starts a new cell; everything up to the next such
line is the cell's source. The notebooks are written without outputs, with the
kernelspec of the Descent kernel; `./run --inplace` then executes them.

Usage: build.py [NAME ...]   (default: every source)
"""
import os
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "src")


def cells(text):
    kind, lines, out = None, [], []
    for line in text.splitlines():
        if line.strip() in ("%% markdown", "%% code"):
            if kind is not None:
                out.append((kind, "\n".join(lines).strip("\n")))
            kind, lines = line.strip()[3:], []
        else:
            lines.append(line)
    if kind is not None:
        out.append((kind, "\n".join(lines).strip("\n")))
    return out


def build(name):
    with open(os.path.join(SRC, name), encoding="utf-8") as f:
        parsed = cells(f.read())
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "descent", "display_name": "Go (Descent)", "language": "go"}
    nb.metadata["language_info"] = {"name": "go", "file_extension": ".go", "mimetype": "text/x-go"}
    for i, (kind, source) in enumerate(parsed):
        cell = new_markdown_cell(source) if kind == "markdown" else new_code_cell(source)
        cell["id"] = "cell-%02d" % i
        nb.cells.append(cell)
    out = os.path.join(HERE, name[: -len(".go.md")] + ".ipynb")
    nbformat.validate(nb)
    with open(out, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)
    print(out)


def main():
    names = sys.argv[1:] or sorted(n for n in os.listdir(SRC) if n.endswith(".go.md"))
    for name in names:
        build(os.path.basename(name))


if __name__ == "__main__":
    main()
