"""config.cache.KeptLocally: a value kept in the process for a while, then loaded again."""

from config import cache
from config.cache import KeptLocally


def test_a_value_is_kept_for_its_seconds_then_loaded_again(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: now[0])
    loads = []

    def load():
        loads.append(now[0])
        return len(loads)

    kept = KeptLocally(load, seconds=10)

    assert [kept.get(), kept.get()] == [1, 1]
    now[0] += 9.9
    assert kept.get() == 1
    now[0] += 0.1
    assert kept.get() == 2
    assert loads == [1000.0, 1010.0]


def test_forget_all_loads_every_value_afresh():
    counts = {"a": 0, "b": 0}

    def loader(name):
        def load():
            counts[name] += 1
            return counts[name]

        return load

    first, second = KeptLocally(loader("a"), seconds=60), KeptLocally(loader("b"), seconds=60)
    assert (first.get(), second.get()) == (1, 1)

    KeptLocally.forget_all()

    assert (first.get(), second.get(), first.get()) == (2, 2, 2)
