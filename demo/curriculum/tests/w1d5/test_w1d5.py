from mlab import conv1d, maxpool1d


def test_conv1d():
    assert conv1d([1, 2, 3, 4], [1, -1]) == [-1, -1, -1]


def test_conv1d_identity():
    assert conv1d([5, 6, 7], [1]) == [5, 6, 7]


def test_maxpool1d():
    assert maxpool1d([1, 3, 2, 5, 4, 0], 2) == [3, 5, 4]
