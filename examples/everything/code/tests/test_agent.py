from lib.util import greet


def test_greet():
    assert greet("x") == "Hello, x!"
