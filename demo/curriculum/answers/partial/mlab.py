"""A pair's workspace: week 1 done, attention half right, transformer blocks half done."""

import math


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def matvec(m, v):
    return [dot(row, v) for row in m]


def transpose(m):
    return [list(col) for col in zip(*m)]


def trace(m):
    return sum(m[i][i] for i in range(len(m)))


def outer(a, b):
    return [[x * y for y in b] for x in a]


def batch_dot(a, b):
    return [dot(x, y) for x, y in zip(a, b)]


def relu(xs):
    return [max(0.0, x) for x in xs]


def relu_grad(xs):
    return [1.0 if x > 0 else 0.0 for x in xs]


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def sgd_step(weights, grads, lr):
    return [round(w - lr * g, 10) for w, g in zip(weights, grads)]


def momentum_step(weights, grads, velocity, lr, beta):
    velocity = [beta * v + g for v, g in zip(velocity, grads)]
    return [w - lr * v for w, v in zip(weights, velocity)], velocity


def conv1d(xs, kernel):
    k = len(kernel)
    return [dot(xs[i : i + k], kernel) for i in range(len(xs) - k + 1)]


def maxpool1d(xs, size):
    return [max(xs[i : i + size]) for i in range(0, len(xs), size)]


def softmax(xs):
    exps = [math.exp(x) for x in xs]  # overflows for large inputs
    return [e / sum(exps) for e in exps]


def attention_weights(query, keys):
    return [dot(query, k) for k in keys]  # forgot the softmax


def layer_norm(xs, eps=1e-5):
    raise NotImplementedError


def causal_mask(n):
    return [[j <= i for j in range(n)] for i in range(n)]
