from mlab import momentum_step, sgd_step


def test_sgd_step():
    assert sgd_step([1.0, 2.0], [0.5, -1.0], lr=0.1) == [0.95, 2.1]


def test_momentum_step():
    weights, velocity = momentum_step([1.0], [1.0], [0.5], lr=0.1, beta=0.9)
    assert [round(w, 6) for w in weights] == [0.855] and [round(v, 6) for v in velocity] == [1.45]
