"""The server's heap freeze: full collections stop walking what the imports left alive."""

import gc
import sys
import weakref

import ui.heap as heap


def test_it_freezes_when_modules_were_imported_and_only_then(monkeypatch):
    monkeypatch.setattr(heap, "_modules", 0)
    try:
        assert heap.freeze_long_lived()
        assert gc.get_freeze_count() > 0  # what was alive is out of the collector's walk
        assert not heap.freeze_long_lived()  # nothing new imported: nothing to do
        monkeypatch.setitem(sys.modules, "lab_test_new_module", object())
        assert heap.freeze_long_lived()
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual


def test_garbage_is_collected_before_freezing(monkeypatch):
    monkeypatch.setattr(heap, "_modules", 0)

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the collector can free
    gone = weakref.ref(a)
    del a, b
    try:
        heap.freeze_long_lived()
        assert gone() is None  # freed, not frozen for good
    finally:
        gc.unfreeze()
