from mlab import batch_dot, outer, trace


def test_trace():
    assert trace([[1, 2], [3, 4]]) == 5


def test_outer():
    assert outer([1, 2], [3, 4, 5]) == [[3, 4, 5], [6, 8, 10]]


def test_batch_dot():
    assert batch_dot([[1, 2], [3, 4]], [[5, 6], [7, 8]]) == [17, 53]
