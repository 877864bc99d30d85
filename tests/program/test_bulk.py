"""`collector_paused`: the cyclic collector is off inside, back on after (also after an error), and a
nested pause does not switch it back on early."""

import gc

import pytest

from program.bulk import collector_paused


def test_the_collector_is_paused_inside_and_restored_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause left it off
        raise RuntimeError("bulk step failed")
    assert gc.isenabled()
