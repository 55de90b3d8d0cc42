"""The alt-text script for a component's picture: its words and selectors go in as JavaScript strings."""

import json

from ui.frame_alt import script


def test_the_words_and_selectors_are_quoted_as_javascript_strings():
    alt = 'The test picture \'7\' with "your" drawing </script>'
    body = script("streamlit_image_coordinates", "#image", alt)
    assert f"alt = {json.dumps(alt).replace('</', '<' + chr(92) + '/')}" in body
    assert body.count("</script>") == 1  # the words cannot close the script early
    assert 'frames = "streamlit_image_coordinates"' in body and 'picture = "#image"' in body
    assert body.startswith("<!DOCTYPE html><html lang=\"en\">")  # its own frame passes axe-core too
