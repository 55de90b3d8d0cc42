"""AppTest: the small things a user notices (names, limits, counts, shared keys)."""

from __future__ import annotations

from apptest import fresh_app, texts


def test_the_mystery_models_follow_the_seed_and_the_training_settings():
    at = fresh_app(**{"train.epochs": 1, "mystery.count": 2, "lab.seed": 3})  # settings no other test prepares
    at.run()
    at.switch_page("pages/mystery.py").run()
    at.button(key="btn.mystery.prepare").click().run(timeout=240)
    assert not at.exception, at.exception
    assert not any(b.key == "btn.mystery.prepare" for b in at.button)  # prepared: investigate now
    assert "held-out test images right" in texts(at)

    at.session_state["lab.seed"] = 5  # another student on seed 5 must not get seed 3's models
    at.run()
    assert any(b.key == "btn.mystery.prepare" for b in at.button)
    at.session_state["lab.seed"] = 3
    at.session_state["train.epochs"] = 2  # nor someone who trains longer
    at.run()
    assert any(b.key == "btn.mystery.prepare" for b in at.button)
    at.session_state["train.epochs"] = 1
    at.run()
    assert not any(b.key == "btn.mystery.prepare" for b in at.button)  # the first ones are still shared


def test_the_picture_uploader_states_the_same_limit_as_its_text():
    # README: pictures "at most 5 MB" (MB = 1024 * 1024 bytes, as Streamlit's max_upload_size counts it)
    at = fresh_app(**{"train.epochs": 1})
    at.run()
    at.switch_page("pages/train.py").run()
    if any(b.key == "btn.train" for b in at.button):
        at.button(key="btn.train").click().run()
    at.switch_page("pages/trigger.py").run()
    assert not at.exception, at.exception
    uploader = at.get("file_uploader")[0]
    assert uploader.proto.max_upload_size_mb == 5
    assert "up to 5 MB" in texts(at)

    # The Explain page counts images from 1, as its caption does.
    at.switch_page("pages/explain.py").run()
    slider = at.slider(key="w:explain.image")
    assert slider.min == 1 and slider.value == 1
    assert any(c.value.startswith("Image 1 of ") for c in at.caption)


def test_sentences_use_titles_not_internal_ids():
    at = fresh_app(**{"train.epochs": 29})
    at.run()
    at.switch_page("pages/train.py").run()
    page = texts(at)
    assert "Small CNN" in page and "BadNets" in page
    for internal in ("small-cnn", "mnist-5k", "**badnets**"):
        assert internal not in page


def test_every_picture_on_the_poison_page_says_what_it_shows():
    at = fresh_app()
    at.run()
    at.switch_page("pages/poison.py").run()
    assert not at.exception, at.exception
    alts = [img.alt for element in at.get("image") for img in element.proto.imgs]
    assert len(alts) >= 20 and all(alts), [a for a in alts if not a]
    assert "clean training picture of '5'" in alts
    assert "poisoned training picture of '5' with the BadNets (visible patch) trigger, labelled '0'" in alts
