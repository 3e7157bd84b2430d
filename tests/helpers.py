"""Shared helpers for the tests: where notebooks live and how to read them."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

# The one way to skip a test that needs Graphviz's `dot` (the test command itself refuses
# to start without it, so this only matters for single tests run by hand).
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def notebooks_in(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).glob("*.ipynb"))


def ids(paths) -> list[str]:
    return [p.relative_to(ROOT).as_posix() for p in paths]


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def read(path: Path):
    return nbformat.read(path, as_version=4)


# --- the exercises' judge (tests/test_check*.py) --------------------------------------------
# Right answers are built here with torch, independently of lecture_utils.check.

def verdict(capsys, func, *args, **kwargs) -> tuple[bool, str]:
    """Call a check; return (its bool, the text it printed)."""
    result = func(*args, **kwargs)
    assert isinstance(result, bool)
    return result, capsys.readouterr().out


def leaf(data, **kw):
    import torch
    return torch.tensor(data, requires_grad=True, **kw)


def after_backward(fn, *leaves, times=1):
    """Run fn(*leaves).sum().backward() ``times`` times; return the leaves."""
    for _ in range(times):
        fn(*leaves).sum().backward()
    return leaves


def descent(loss, init, lr, steps, zero=lambda step: True):
    """Gradient descent on leaves made from ``init``; ``zero(step)`` says whether to zero the grads."""
    import torch
    params = [torch.tensor(v, requires_grad=True) for v in init]
    for step in range(steps):
        loss(*params).backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        if zero(step):
            for p in params:
                p.grad.zero_()
    return params


def line_loss(a, b):
    """演習4-1's loss: mean squared error of y = a x + b on the exercise's data."""
    import torch
    xs = torch.tensor([0.0, 1.0, 2.0, 3.0])
    ys = torch.tensor([1.0, 3.0, 4.0, 6.0])
    return ((a * xs + b - ys) ** 2).mean()


def branch(x):
    """演習4-3's function."""
    import torch
    return x ** 3 if x > 0 else -2 * x + torch.sin(x)


def grad_at(f, point, times=1):
    """f'(point) by backward() on a fresh leaf (``times`` backward passes)."""
    import torch
    x = torch.tensor(point, requires_grad=True)
    for _ in range(times):
        f(x).backward()
    return x.grad


def correct_answers() -> dict:
    """One right answer per exercise id, as a function returning the check's arguments."""
    import torch

    from lecture_utils import check
    x_star, _ = check.final_minimum()
    w = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    return {
        "1-1": lambda: (leaf(3.0),),
        "1-2": lambda: (leaf([3.0, 4.0, 5.0]),),
        "1-3": lambda: (leaf([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]),),
        "1-4": lambda: (RuntimeError, "浮動小数点数と複素数だけが勾配を持てるから"),
        "1-5": lambda: (torch.arange(1.0, 101.0).reshape(10, 10).requires_grad_(),),
        "3-1": lambda: after_backward(lambda x: x ** 2 + 2 * x + 1, leaf(3.0)),
        "3-2": lambda: after_backward(lambda x: (x ** 2).sum(), leaf([1.0, 2.0, 3.0])),
        "3-3": lambda: after_backward(lambda W, a, b: a @ W @ b, leaf(w), leaf([[1.0, 2.0]]), leaf([1.0, 2.0, 3.0])),
        "4-1": lambda: tuple(descent(line_loss, (0.0, 0.0), 0.05, 50)),
        "4-2": lambda: tuple(descent(lambda x: (x - 2) ** 2, (-1.0,), 0.1, 21)),
        "4-3": lambda: (grad_at(branch, 2.0).item(), grad_at(branch, -1.0).item()),
        "final": lambda: (x_star, check.final_function(torch.tensor(x_star, dtype=torch.float64)).item()),
    }
