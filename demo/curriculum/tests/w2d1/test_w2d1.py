import math

from mlab import attention_weights, softmax


def test_softmax_sums_to_one():
    assert math.isclose(sum(softmax([1.0, 2.0, 3.0])), 1.0)


def test_softmax_stable():
    assert math.isclose(sum(softmax([1000.0, 1000.0])), 1.0)


def test_attention_weights():
    weights = attention_weights([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
    assert weights[0] > weights[1] and math.isclose(sum(weights), 1.0)
