import math

from mlab import causal_mask, layer_norm


def test_layer_norm():
    out = layer_norm([1.0, 2.0, 3.0])
    assert math.isclose(sum(out), 0.0, abs_tol=1e-9) and math.isclose(sum(x * x for x in out) / 3, 1.0, rel_tol=1e-3)


def test_causal_mask():
    assert causal_mask(3) == [[True, False, False], [True, True, False], [True, True, True]]
