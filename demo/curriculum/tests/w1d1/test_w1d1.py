from mlab import dot, matvec, transpose


def test_dot():
    assert dot([1, 2, 3], [4, 5, 6]) == 32


def test_matvec():
    assert matvec([[1, 0], [0, 2]], [3, 4]) == [3, 8]


def test_transpose():
    assert transpose([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]
