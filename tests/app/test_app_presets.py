"""The app opens a warmed preset without training."""




def test_the_app_opens_a_warmed_preset_without_training():
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT
    from backdoor.prepare import prepare

    prepare(["classic-patch"], on_message=lambda _: None)  # stored by the test above, or now
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    assert not any(b.key == "btn.train" for b in at.button)  # nothing to train
    assert any("trained before" in s.value for s in at.success)
