"""make warm: the store is filled ahead of class, then reused."""




def test_warm_up_fills_the_store_then_reuses_it(tmp_path, monkeypatch):
    from backdoor.prepare import main, prepare

    monkeypatch.setenv("BACKDOOR_LAB_STORE", str(tmp_path / "store"))  # an empty store of its own

    first = prepare(["classic-patch"], on_message=lambda _: None)
    assert [p.kind for p in first] == ["backdoored", "baseline"] and all(p.trained for p in first)
    again = prepare(["classic-patch"], on_message=lambda _: None)
    assert not any(p.trained for p in again)
    assert [round(p.asr, 4) for p in again] == [round(p.asr, 4) for p in first]
    assert main(["--list"]) == []
    assert len(list((tmp_path / "store").glob("*.pt"))) == 2
