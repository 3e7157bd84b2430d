"""The engine code that notebooks print with inspect.getsource reads as lecture material.

Notebooks 5 and 6 show these functions to students (and ask them to print a few more):
each shows its formula in Japanese, with no input checks or error handling in the body
(those are applied from outside by validate.checked and validate.rule).
"""
import inspect

import pytest
from engine_cases import JAPANESE

from lecture_utils import autodiff as ad
from lecture_utils.autodiff import Dual, Value

PRINTED = {
    "Value.__add__": Value.__add__,
    "Value.__mul__": Value.__mul__,
    "Value.__truediv__": Value.__truediv__,
    "Value._apply": Value._apply,
    "Value.backward": Value.backward,
    "topological_order": ad.topological_order,
    "sin_rule": ad.sin_rule,
    "exp_rule": ad.exp_rule,
    "Dual.__mul__": Dual.__mul__,
    "Dual.__truediv__": Dual.__truediv__,
    "Dual._apply": Dual._apply,
    "forward_difference": ad.forward_difference,
    "central_difference": ad.central_difference,
}
PLUMBING = ["raise", "try:", "except", "validate", "_valid", "_check", "callable("]


@pytest.mark.parametrize("name", PRINTED)
def test_printed_source_has_no_checks(name):
    source = inspect.getsource(PRINTED[name])
    assert [word for word in PLUMBING if word in source] == [], source


@pytest.mark.parametrize("name", PRINTED)
def test_printed_source_explains_in_japanese(name):
    assert JAPANESE.search(inspect.getsource(PRINTED[name]))


def test_central_difference_is_the_formula_alone():
    body = inspect.getsource(ad.central_difference).splitlines()
    assert body[0] == "@checked" and body[-1] == "    return (f(x + h) - f(x - h)) / (2 * h)" and len(body) == 4


def test_operator_overloading_is_explained_where_it_first_appears():
    assert "演算子のオーバーロード" in inspect.getsource(Value.__add__)
