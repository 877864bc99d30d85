import math

from mlab import relu, relu_grad, sigmoid


def test_relu():
    assert relu([-1.0, 0.0, 2.5]) == [0.0, 0.0, 2.5]


def test_relu_grad():
    assert relu_grad([-1.0, 3.0]) == [0.0, 1.0]


def test_sigmoid():
    assert math.isclose(sigmoid(0.0), 0.5) and sigmoid(50.0) > 0.999
